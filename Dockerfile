# lotwise service image: the CLI, API server, worker and dashboard share it.
# Build stage: `npm ci` installs everything and its `prepare` compiles dist/ and builds the dashboard
# (dist-ui/); then the development dependencies are pruned and the result is copied into the
# runtime image.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV NODE_ENV=production
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["--help"]
