# cTrip: the gateway image, used by docker-compose.yml for the one-shot `migrate` service and
# for `app`. It runs the compiled build in dist/; migrations stay TypeScript sources (their
# checksums are taken from the files developers write) and load through tsx.

# --- build: better-sqlite3 is a native addon, built by node-gyp when no prebuilt binary
# matches, which needs python3, make and a C++ compiler. They stay in this stage.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies first (cached while they do not change); the package's own `prepare` build
# needs the sources, so it runs after they are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3 esbuild
COPY . .
RUN npm run build && npm prune --omit=dev && npm cache clean --force

# --- the image: same base, so the native addon matches its glibc and Node ABI.
FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app ./
# `ctrip db backup` writes to ./backups by default; development runs on ./data/ctrip.db.
RUN mkdir -p data backups && chown node:node data backups
USER node
# Listen on every interface: inside a container, 127.0.0.1 is reachable from nowhere else.
ENV HOST=0.0.0.0 \
    PORT=8000
EXPOSE 8000
CMD ["node", "bin/ctrip.js", "start"]
