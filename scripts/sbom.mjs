#!/usr/bin/env node
// CycloneDX 1.6 software bills of materials (JSON), for a trust's DSPT evidence (docs/deployment.md,
// "Software bill of materials"):
//   node scripts/sbom.mjs                      production dependencies of this checkout
//                                              -> test-results/sbom/esr-gateway.cdx.json
//   node scripts/sbom.mjs --image <ref>        ... and what the built image holds
//                                              -> test-results/sbom/esr-gateway-image.cdx.json
// Both npm parts come from @cyclonedx/cyclonedx-npm (`npm ls` of an installed tree). The image's is
// taken from the image's own /app (package.json and node_modules copied out with podman), so it lists
// what ships, not what the lockfile says; its Debian packages (dpkg's status file), the Node.js
// runtime and the operating system are added as components with their package URLs.
// Prints one JSON line per file written: { file, components }.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outDir = path.join(root, 'test-results/sbom');
const cyclonedxNpm = path.join(root, 'node_modules/.bin/cyclonedx-npm');

/** cyclonedx-npm over the installed tree whose package.json is `manifest`; production only. */
function npmBom(manifest) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'esr-sbom-')), 'bom.json');
  execFileSync(
    cyclonedxNpm,
    ['--omit', 'dev', '--omit', 'optional', '--spec-version', '1.6', '--output-format', 'JSON', '--output-file', file, manifest],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const bom = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(path.dirname(file), { recursive: true, force: true });
  return bom;
}

/** The installed packages of a dpkg status file: [{ name, version, arch }]. */
export function dpkgPackages(status) {
  return status
    .split(/\n\n+/)
    .map((stanza) => Object.fromEntries([...stanza.matchAll(/^([A-Za-z-]+): (.*)$/gm)].map((m) => [m[1], m[2]])))
    .filter((p) => p.Package && /\binstalled$/.test(p.Status ?? ''))
    .map((p) => ({ name: p.Package, version: p.Version, arch: p.Architecture }));
}

const osRelease = (text) => Object.fromEntries([...text.matchAll(/^(\w+)="?([^"\n]*)"?$/gm)].map((m) => [m[1], m[2]]));

function podman(...args) {
  return execFileSync('podman', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
}

/** The image's files the SBOM reads, copied out of a container that never runs. */
function copyOut(image, dir) {
  const name = `esr-sbom-${process.pid}`;
  podman('create', '--name', name, image);
  try {
    for (const [from, to] of [
      ['/app/package.json', 'app/package.json'],
      ['/app/node_modules', 'app/node_modules'],
      ['/var/lib/dpkg/status', 'dpkg-status'],
      ['/etc/os-release', 'os-release'],
    ]) {
      mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
      podman('cp', `${name}:${from}`, path.join(dir, to));
    }
    return podman('inspect', '--format', '{{.Config.Env}}', name);
  } finally {
    podman('rm', '-f', name);
  }
}

function imageBom(image) {
  const dir = mkdtempSync(path.join(tmpdir(), 'esr-sbom-image-'));
  try {
    const env = copyOut(image, dir);
    const bom = npmBom(path.join(dir, 'app/package.json'));
    const os = osRelease(readFileSync(path.join(dir, 'os-release'), 'utf8'));
    const distro = `${os.ID}-${os.VERSION_ID}`;
    const node = /NODE_VERSION=([0-9.]+)/.exec(env)?.[1];
    const imageId = podman('image', 'inspect', '--format', '{{.Id}}', image).trim();
    const debs = dpkgPackages(readFileSync(path.join(dir, 'dpkg-status'), 'utf8')).map((p) => {
      const purl = `pkg:deb/${os.ID}/${p.name}@${encodeURIComponent(p.version)}?arch=${p.arch}&distro=${distro}`;
      return { type: 'library', 'bom-ref': purl, name: p.name, version: p.version, purl };
    });
    const runtime = node ? [{ type: 'platform', 'bom-ref': `pkg:generic/nodejs@${node}`, name: 'nodejs', version: node, purl: `pkg:generic/nodejs@${node}` }] : [];
    const system = { type: 'operating-system', 'bom-ref': `os:${distro}`, name: os.ID, version: os.VERSION_ID, description: os.PRETTY_NAME };
    const app = bom.metadata.component;
    bom.metadata.component = {
      type: 'container',
      'bom-ref': `container:${image}`,
      name: image,
      version: imageId,
      description: `The esr-gateway ${app.version} image`,
      components: [app],
    };
    bom.components = [...bom.components, ...runtime, system, ...debs];
    return bom;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function write(name, bom) {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, name);
  writeFileSync(file, `${JSON.stringify(bom, null, 2)}\n`);
  console.log(JSON.stringify({ file: path.relative(root, file), components: bom.components.length }));
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const imageAt = process.argv.indexOf('--image');
  write('esr-gateway.cdx.json', npmBom(path.join(root, 'package.json')));
  if (imageAt > 0) write('esr-gateway-image.cdx.json', imageBom(process.argv[imageAt + 1]));
}
