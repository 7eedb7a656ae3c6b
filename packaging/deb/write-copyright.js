// Writes the package's copyright file: packaging/deb/copyright with @YEARS@ filled in and, at
// @NODE_MODULES@, one Files stanza per license among the npm packages shipped, read from each
// package's own package.json. A license with no stanza in the template stops the build, so a
// new dependency's license is looked at before it ships.
// usage: node write-copyright.js NODE_MODULES TEMPLATE YEARS > copyright
import { existsSync, readFileSync, readdirSync } from 'node:fs';

const [modules, template, years] = process.argv.slice(2);
if (modules === undefined || template === undefined || years === undefined) {
  console.error('usage: node write-copyright.js NODE_MODULES TEMPLATE YEARS');
  process.exit(2);
}

/** npm's SPDX ids -> the copyright format's short names (the template has their texts) */
const DEP5 = {
  MIT: 'Expat',
  ISC: 'ISC',
  'Apache-2.0': 'Apache-2.0',
  'BSD-2-Clause': 'BSD-2-clause',
  'BSD-3-Clause': 'BSD-3-clause',
};

/** license -> installed paths of the packages under it */
const byLicense = new Map();

function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const at = `${dir}/${name}`;
    if (name.startsWith('@')) {
      walk(at);
      continue;
    }
    const meta = JSON.parse(readFileSync(`${at}/package.json`, 'utf8'));
    const license = DEP5[meta.license];
    if (license === undefined) {
      console.error(
        `package-deb: ${at}: license ${JSON.stringify(meta.license)} has no stanza in ${template}`,
      );
      process.exit(1);
    }
    const files = byLicense.get(license) ?? [];
    files.push(`${at.slice(at.indexOf('usr/lib/vigil/'))}/*`);
    byLicense.set(license, files);
    if (existsSync(`${at}/node_modules`)) walk(`${at}/node_modules`);
  }
}

walk(modules);
const stanzas = [...byLicense].map(
  ([license, files]) =>
    `Files: ${files.sort().join('\n ')}\n` +
    `Copyright: their authors, named in each package's license file\n` +
    `License: ${license}\n`,
);
const text = readFileSync(template, 'utf8').replaceAll('@YEARS@', years);
process.stdout.write(text.replace('@NODE_MODULES@\n', `${stanzas.join('\n')}\n`));
