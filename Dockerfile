# esr-gateway container image.
#
# Stages:
#   toolchain  node + the compilers that better-sqlite3 (a native addon) needs, and the npm release
#              the lockfile was written with (npm 11 honours the "allowScripts" policy in package.json)
#   deps       every dependency (npm ci), for the TypeScript build
#   build      npm run build -> dist/
#   prod-deps  production dependencies only (npm ci --omit=dev), native addon compiled here
#   runtime    slim node + tini, production node_modules and dist/, nothing else; runs as uid 10001
#
# Build:  docker build -t esr-gateway:0.1.0 .      (or: podman build -t esr-gateway:0.1.0 .)
# Nothing secret is baked in: DATABASE_URL, REDIS_URL, API_KEYS, ESR_CLIENT_SECRET and
# AUDIT_HMAC_SECRET are given to the container at run time (the Helm chart reads them from a Secret).

FROM node:24.22.3-bookworm-slim AS toolchain
WORKDIR /app
# python3, make and g++ build better-sqlite3 from source when no prebuilt binary matches.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
# The image ships npm 10, which ignores package.json "allowScripts" and runs every install script.
# npm 11 runs only the approved ones (better-sqlite3, @swc/core) and skips the denied ones;
# strict mode turns any install script nobody has reviewed yet into a failed build.
RUN npm install --global npm@11.19.1 && npm cache clean --force
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_STRICT_ALLOW_SCRIPTS=true

FROM toolchain AS deps
COPY package.json package-lock.json ./
RUN npm ci

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM toolchain AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:24.22.3-bookworm-slim AS runtime
# tini is PID 1: it forwards SIGTERM/SIGINT to node and reaps zombies, so the service's graceful
# shutdown (SHUTDOWN_GRACE_PERIOD) runs when Kubernetes stops the pod.
# npm, npx, corepack and yarn are not needed to run the service and are removed from the image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-v* \
              /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
              /usr/local/bin/yarn /usr/local/bin/yarnpkg \
    && groupadd --gid 10001 esr \
    && useradd --no-log-init --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
               --shell /usr/sbin/nologin esr \
    && mkdir -p /app/data \
    && chown 10001:10001 /app/data
WORKDIR /app
ENV NODE_ENV=production \
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
CMD ["node", "dist/main.js"]
