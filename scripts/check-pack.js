'use strict';
// `prepack`: a package packed from a checkout without prebuilds/ installs only
// where a compiler is present (and ships the checkout's build leftovers). The
// package to publish is the one `npm run release` makes after `npm run prebuilds`.
const fs = require('fs');
const path = require('path');

const prebuilds = path.join(__dirname, '..', 'prebuilds');
const found = fs.existsSync(prebuilds) && fs.readdirSync(prebuilds, { recursive: true }).some((f) => String(f).endsWith('.node'));
if (!found) {
  process.stderr.write(
    'declint: no prebuilds/ in this checkout: a package packed from it needs a compiler to install.\n' +
      'Pack the release instead: npm run prebuilds && npm run release -- OUT (then publish OUT/declint-<version>.tgz).\n',
  );
  process.exit(1);
}
