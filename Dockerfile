# motor-coordinator image: build stage compiles TypeScript, runtime stage has
# production dependencies and dist/ only, and runs as a non-root user.
# Health is checked by Kubernetes probes (/startup, /liveness, /readiness on
# the management port), so the image declares no HEALTHCHECK.
#
# Base: Node.js 24 LTS (supported until 2028-04-30; Node 20 reached its end
# of life on 2026-04-30, Node 22 ends on 2027-04-30), pinned to an exact
# release. package.json `engines` (>= 20.19) admits it; the README says what
# the tests run on and why the image's newer Node is safe. To pin the base by
# digest as well: FROM node:24.13.0-bookworm-slim@sha256:<digest>
# (`docker buildx imagetools inspect node:24.13.0-bookworm-slim`).
ARG NODE_IMAGE=node:24.13.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# Memory at fleet scale (bench/, N = 2,048 endpoints):
# - two malloc arenas instead of glibc's 8 per core: the event loop, the digest
#   worker and V8's helper threads otherwise each keep freed memory in arenas
#   of their own (plain text: 408 MB peak RSS with the default, 371 MB with 2);
# - 8 MB semi-spaces instead of 16 for the young generation (the digest worker
#   sets the same for itself): 407-425 MB -> 344-356 MB peak RSS, same CPU.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2 NODE_OPTIONS=--max-semi-space-size=8
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# uid/gid 1000 is the image's `node` user; numeric so that Kubernetes
# runAsNonRoot can verify it.
USER 1000:1000
# management (probes, instance refresh) and observability (/metrics)
EXPOSE 1026 1027
CMD ["node", "dist/main.js"]
