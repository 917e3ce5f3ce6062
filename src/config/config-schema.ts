// The JSON Schema of `.declint.yaml`, in a module of its own so that it is loaded (with the
// validator) only when a config file is read; importing it here also has tsc copy it to dist/.
import schema from './config.schema.json';

export default schema;
