# gatewatch: the MQTT + HTTP service (and, with another command, the device
# simulator), compiled to JavaScript and run by plain node as the non-root
# user `node`. Node 24 LTS on Debian bookworm; SQLite lives in the /app/data
# volume. Three stages: dependencies, the build, and the image that runs.
# Nothing of the tests, the benchmarks (nor their Node-RED peer) or the
# TypeScript tool chain reaches the final image (.dockerignore, --omit=dev).

# 1. Every dependency, for the build (tsc).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the devDependency `node` (Node 24 for npm scripts on
# older system Nodes) is not needed, the base image is Node 24 already.
RUN npm ci --ignore-scripts --no-audit --no-fund

# 2. The build: tsc (tsconfig.build.json) into dist/, plus the page, SQL and JSON assets.
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts scripts/
COPY services services
COPY schemas/src schemas/src
COPY schemas/json schemas/json
COPY devices-sim devices-sim
COPY dashboards/generated dashboards/generated
RUN node scripts/build.ts

# 3. What runs: production dependencies and the compiled JavaScript.
FROM node:24-bookworm-slim
# NODE_OPTIONS: the main thread's V8 heap, bounded by design rather than sized
# from the host's memory (services/observability/heap.ts, services/broker/README.md).
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=1024 --max-semi-space-size=16" \
    GW_DATA_DIR=/app/data \
    GW_MQTT_HOST=0.0.0.0 \
    GW_HTTP_HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
# better-sqlite3 ships a prebuilt Node-API binary: no compiler, and no install
# script is needed (its implicit `node-gyp rebuild` would want python3).
# The check after it fails the build if the binary does not load here.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && node -e "new (require('better-sqlite3'))(':memory:').close()"
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
# Plain MQTT and HTTP for the compose network; mqtts when a certificate is configured.
EXPOSE 1883 3000 8883
# Ready = database and broker usable (GET /readyz); node has fetch, the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The admin CLI in the container: node dist/services/cli/admin.js <command>.
CMD ["node", "dist/services/main.js"]
