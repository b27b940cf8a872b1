# gatewatch: the MQTT + HTTP service (and, with another command, the device
# simulator). Node 24 LTS on Debian bookworm; SQLite lives in the /app/data volume.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 ships a prebuilt Node-API binary: no compiler, and no install script is needed
# (its implicit `node-gyp rebuild` is a no-op that would still want python3).
COPY package.json package-lock.json ./
# tsx (which runs the TypeScript) is a production dependency.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    GW_DATA_DIR=/app/data \
    GW_MQTT_HOST=0.0.0.0 \
    GW_HTTP_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --chown=root:root . .
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 1883 3000
# Ready = database and broker usable (GET /readyz); node has fetch, the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["npm", "start"]
