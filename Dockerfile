# syntax=docker/dockerfile:1
# Build with the full toolchain, run with production dependencies only, as a non-root user.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY scripts/build-info.mjs ./scripts/
ARG GIT_COMMIT=unknown
RUN GIT_COMMIT=$GIT_COMMIT npx nest build && GIT_COMMIT=$GIT_COMMIT node scripts/build-info.mjs

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 8080 9090
# Node itself, not npm: SIGTERM reaches the router directly and drains (SPEC §8).
CMD ["node", "dist/main.js"]
