# lotwise service image: the CLI, API server and worker share it (no build step: tsx runs the sources).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/lotwise.js"]
CMD ["--help"]
