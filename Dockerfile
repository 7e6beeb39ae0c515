# cTrip: the gateway image. Runs the TypeScript sources through tsx, as a developer does; there
# is no build step. Used by docker-compose.yml for both the one-shot `migrate` service and `app`.

# --- dependencies: better-sqlite3 is a native addon. npm first tries a prebuilt binary and,
# when none matches, builds it with node-gyp, which needs python3, make and a C++ compiler.
# They stay in this stage; the final image gets only node_modules.
FROM node:20-bookworm-slim AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only (tsx is one of them). --ignore-scripts skips the package's own
# lifecycle scripts (a `prepare` build needs the sources and dev tools, which are not here);
# the two dependencies that need their install scripts get them from `npm rebuild`.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 esbuild \
 && npm cache clean --force

# --- the image: same base, so the native addon built above matches its glibc and Node ABI.
FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# `ctrip db backup` writes to ./backups by default, and development runs on ./data/ctrip.db.
RUN mkdir -p data backups && chown node:node data backups
USER node
# Listen on every interface: inside a container, 127.0.0.1 is reachable from nowhere else.
ENV HOST=0.0.0.0 \
    PORT=8000
EXPOSE 8000
CMD ["node", "bin/ctrip.js", "start"]
