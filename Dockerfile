# lotwise service image: the CLI, API server and worker share it (no server build step: tsx runs
# the sources). The dashboard is built in a first stage (it needs the dev dependencies: Vite,
# React) and only its static files (dist-ui/) are copied into the runtime image.
FROM node:20-bookworm-slim AS dashboard
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY ui ./ui
COPY vite.ui.config.ts ./
RUN npm run build:ui

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY . .
COPY --from=dashboard /app/dist-ui ./dist-ui
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/lotwise.js"]
CMD ["--help"]
