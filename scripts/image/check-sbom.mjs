#!/usr/bin/env node
// Checks the two SBOMs scripts/sbom.mjs writes against each other and against package.json:
//   node scripts/image/check-sbom.mjs <production.cdx.json> <image.cdx.json>
// - both are CycloneDX 1.6 documents with a serial number and a timestamp;
// - the production SBOM names every dependency of package.json;
// - the image's npm packages are the production SBOM's (name@version) but the optional ones the
//   image leaves out, so the image ships what the SBOM says and nothing else;
// - the image's SBOM adds its Debian packages (tini among them), the Node.js runtime and the OS.
// Prints what differs and exits 1 on any problem.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const read = (file) => JSON.parse(readFileSync(file, 'utf8'));
const [productionFile, imageFile] = process.argv.slice(2);
const production = read(productionFile);
const image = read(imageFile);
const problems = [];

for (const [name, bom] of [
  ['production', production],
  ['image', image],
]) {
  if (bom.bomFormat !== 'CycloneDX' || bom.specVersion !== '1.6') problems.push(`${name}: not a CycloneDX 1.6 document`);
  if (!/^urn:uuid:/.test(bom.serialNumber ?? '')) problems.push(`${name}: no serial number`);
}

const npmOf = (bom) => new Set(bom.components.filter((c) => c.purl?.startsWith('pkg:npm/')).map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`));
const productionNpm = npmOf(production);
const imageNpm = npmOf(image);
const names = new Set([...productionNpm].map((id) => id.slice(0, id.lastIndexOf('@'))));
const { dependencies } = read(path.join(root, 'package.json'));
for (const dependency of Object.keys(dependencies)) if (!names.has(dependency)) problems.push(`production: ${dependency} (package.json) missing`);
// The image installs with --omit=optional (Dockerfile, prod-deps): packages the lockfile marks optional
// (or only an optional peer, like typescript for @nestjs/swagger) are listed by the production SBOM
// but not shipped. Anything else missing from the image is a problem.
const lock = read(path.join(root, 'package-lock.json')).packages;
const optionalInLock = (id) => {
  const at = id.lastIndexOf('@');
  const [name, version] = [id.slice(0, at), id.slice(at + 1)];
  return Object.entries(lock).some(([key, p]) => key.endsWith(`node_modules/${name}`) && p.version === version && (p.optional || p.devOptional));
};
const leftOut = [...productionNpm].filter((id) => !imageNpm.has(id));
for (const id of leftOut) if (!optionalInLock(id)) problems.push(`image: ${id} missing (in the production SBOM)`);
for (const id of imageNpm) if (!productionNpm.has(id)) problems.push(`image: ${id} not in the production SBOM`);

const debs = image.components.filter((c) => c.purl?.startsWith('pkg:deb/'));
if (!debs.some((c) => c.name === 'tini')) problems.push('image: Debian package tini missing');
if (!image.components.some((c) => c.name === 'nodejs' && c.type === 'platform')) problems.push('image: Node.js runtime missing');
if (!image.components.some((c) => c.type === 'operating-system')) problems.push('image: operating system missing');

console.log(
  `npm packages: ${productionNpm.size} (production) / ${imageNpm.size} (image; optional ones left out: ${leftOut.filter(optionalInLock).join(', ') || 'none'}); Debian packages: ${debs.length}`,
);
for (const problem of problems) console.log(`  ${problem}`);
process.exit(problems.length ? 1 : 0);
