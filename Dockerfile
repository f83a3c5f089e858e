# esr-gateway container image (Node.js 24 LTS; the full version is the one in .node-version).
#
# Stages:
#   toolchain     node + the compilers that better-sqlite3 (a native addon) needs, and the npm release
#                 the lockfile was written with (npm 11 honours the "allowScripts" policy in package.json)
#   deps          every dependency (npm ci), for the TypeScript build
#   build         npm run build -> dist/, without source maps
#   prod-deps     production dependencies only (npm prune --omit=dev --omit=optional: no typescript,
#                 which @nestjs/swagger names as an optional peer), keeping the addon compiled in deps,
#                 then trimmed:
#                 better-sqlite3 keeps only its compiled .node file; no type declarations, source maps,
#                 TypeScript sources, tests or docs from any package
#   runtime-root  the base image plus tini and the service user, minus npm, corepack, yarn and the
#                 Node headers (only needed to compile addons), flattened into the final stage
#   runtime       FROM scratch: runtime-root's files in one layer (so what was removed is really gone,
#                 not hidden under a whiteout), then node_modules and dist/; runs as uid 10001
#
# Build:  podman build --format docker -t esr-gateway:0.1.0 .     (or: docker build -t esr-gateway:0.1.0 .)
#         npm run test:image builds it and runs it (docs/deployment.md, "Build and run the image").
# Nothing secret is baked in: DATABASE_URL, REDIS_URL, API_KEYS, ESR_CLIENT_SECRET and
# AUDIT_HMAC_SECRET are given to the container at run time (the Helm chart reads them from a Secret).

FROM node:24.22.3-bookworm-slim AS toolchain
WORKDIR /app
# python3, make and g++ build better-sqlite3 from source when no prebuilt binary matches.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
# npm 11.19.1 (the release the lockfile was written with, whatever npm the base image bundles) runs
# only the install scripts package.json "allowScripts" approves (better-sqlite3, @swc/core) and skips
# the denied ones; strict mode turns any install script nobody has reviewed yet into a failed build.
RUN npm install --global npm@11.19.1 && npm cache clean --force
# Native addons compile against the image's own Node headers (/usr/local/include/node), so
# node-gyp never needs to download them.
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    npm_config_nodedir=/usr/local \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_STRICT_ALLOW_SCRIPTS=true

FROM toolchain AS deps
COPY package.json package-lock.json ./
RUN npm ci

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && find dist -name '*.map' -delete

FROM deps AS prod-deps
# The tree of `npm ci` pruned to production dependencies (what `npm ci --omit=dev --omit=optional`
# installs), keeping the better-sqlite3 addon already compiled in `deps` instead of compiling it twice.
RUN npm prune --omit=dev --omit=optional && npm cache clean --force
# better-sqlite3 needs only build/Release/better_sqlite3.node at run time (found by `bindings`);
# its SQLite sources, object files and test extension are build leftovers.
RUN cd node_modules/better-sqlite3 \
    && find build -mindepth 1 ! -path build/Release ! -path build/Release/better_sqlite3.node -prune -exec rm -rf {} + \
    && rm -rf deps src \
    && cd /app/node_modules \
    && find . \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' -o -name '*.tsbuildinfo' \) -type f -delete \
    && find . -type d \( -name test -o -name tests -o -name __tests__ -o -name .github \) -prune -exec rm -rf {} + \
    && find . -type f \( -iname 'README*' -o -iname 'CHANGELOG*' -o -iname 'HISTORY*' \) -delete \
    && test -f better-sqlite3/build/Release/better_sqlite3.node \
    && test ! -e typescript

FROM node:24.22.3-bookworm-slim AS runtime-root
# tini is PID 1: it forwards SIGTERM/SIGINT to node and reaps zombies, so the service's graceful
# shutdown (SHUTDOWN_GRACE_PERIOD) runs when Kubernetes stops the pod. npm, npx, corepack and yarn
# are not needed to run the service, nor are the Node headers.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
    && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-v* \
              /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
              /usr/local/bin/yarn /usr/local/bin/yarnpkg /usr/local/include/node \
              /usr/local/share/doc/node /usr/local/share/man/man1/node.1 /root/.npm \
    && groupadd --gid 10001 esr \
    && useradd --no-log-init --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
               --shell /usr/sbin/nologin esr \
    && mkdir -p /app/data \
    && chown 10001:10001 /app/data

FROM scratch AS runtime
COPY --from=runtime-root / /
WORKDIR /app
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_VERSION=24.22.3 \
    NODE_ENV=production \
    PORT=3000
# Application files stay owned by root and read-only for the service user; only /app/data (the
# SQLite default for local runs without DATABASE_URL) and /tmp are writable.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER 10001:10001
EXPOSE 3000
# For docker/podman runs (Kubernetes ignores it and uses the chart's probes). No --start-period:
# dockerfilelint 1.8 misreads that option; 3 retries 30 s apart already cover the start-up time.
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# register.js starts OpenTelemetry tracing before the application when OTEL_* asks for it (else it loads nothing).
CMD ["node", "--import", "./dist/common/tracing/register.js", "dist/main.js"]
