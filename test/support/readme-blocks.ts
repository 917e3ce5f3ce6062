import * as fs from 'fs';
import * as path from 'path';

/** The fenced code block that follows `<!-- marker -->` in the README: the setups the editor tests run exactly as written. */
export function readmeBlock(marker: string, language: string): string {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const match = new RegExp(`<!-- ${marker} -->\\n\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no <!-- ${marker} --> ${language} block`);
  return match[1];
}
