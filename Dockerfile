# syntax=docker/dockerfile:1
# Build stage: full dependencies, compile TypeScript, copy views/ into dist/,
# then drop the dev dependencies.
FROM node:24.11.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY views ./views
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: production dependencies and the build output only, as a non-root user.
FROM node:24.11.1-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/outbox && chown node:node /app/outbox
USER node
EXPOSE 3000
# Exec form: node runs as PID 1 with no shell in between, so SIGTERM reaches it.
CMD ["node", "dist/main.js"]
