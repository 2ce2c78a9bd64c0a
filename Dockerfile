# syntax=docker/dockerfile:1
# Node's current LTS line (26 'Lithium', Active LTS since 2026-10-28), pinned to a release;
# trixie-slim (Debian 13, glibc) is that line's default Debian and fits css-inline's prebuilt binary.
ARG NODE_IMAGE=node:26.13.0-trixie-slim

# Build stage: full dependencies, compile TypeScript (the Swagger plugin runs here), copy
# views/ into dist/, then drop the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY views ./views
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: production dependencies and the build output only, run as the image's
# unprivileged "node" user.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    OUTBOX_DIR=/app/outbox
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/outbox && chown node:node /app/outbox
USER node
EXPOSE 3000
# /health answers 503 while Redis is unreachable. A worker answers on HEALTH_PORT.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const e=process.env,p=e.ROLE==='worker'?e.HEALTH_PORT:e.PORT;fetch('http://127.0.0.1:'+p+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node runs as PID 1 with no shell in between, so SIGTERM reaches its handler
# (drain in-flight sends, exit 0). Same command as npm run start:prod, which the benchmark
# measures: the old generation grown by 30 % at most between full GCs (docs/performance.md).
CMD ["node", "--heap-growing-percent=30", "dist/main"]
