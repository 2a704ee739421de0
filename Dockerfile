ARG BUILD_FROM=ghcr.io/home-assistant/base:3.24-2026.06.1
# Build stage: TypeScript → dist/ (pure JS + WASM, so it may run on the build host's platform).
# hadolint ignore=DL3006
FROM --platform=$BUILDPLATFORM ${BUILD_FROM} AS build
SHELL ["/bin/ash", "-o", "pipefail", "-c"]
WORKDIR /src
# hadolint ignore=DL3018
RUN apk add --no-cache nodejs npm
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
COPY frontend/ frontend/
RUN npm run build && npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# Runtime: Node (22 or newer from Alpine), ffmpeg with ffprobe, production dependencies, the built server.
# hadolint ignore=DL3006
FROM ${BUILD_FROM}
SHELL ["/bin/ash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3018
RUN apk add --no-cache nodejs ffmpeg icu-data-full \
    && node --version && ffmpeg -hide_banner -version > /dev/null && ffprobe -hide_banner -version > /dev/null
WORKDIR /opt/vibescope
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules/ node_modules/
COPY --from=build /src/dist/src/ dist/src/
COPY --from=build /src/frontend/dist/ frontend/dist/
COPY rootfs /
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --start-interval=5s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8099/api/v1/health || exit 1
ARG BUILD_ARCH
ARG BUILD_VERSION
LABEL io.hass.type="app" \
      io.hass.name="Vibescope" \
      io.hass.description="Keeps every Spotify play and skip on your own box" \
      io.hass.url="https://github.com/vibescope/vibescope" \
      io.hass.arch="${BUILD_ARCH}" \
      io.hass.version="${BUILD_VERSION}" \
      org.opencontainers.image.title="Vibescope" \
      org.opencontainers.image.description="Self-hosted Spotify listening analytics for Home Assistant" \
      org.opencontainers.image.source="https://github.com/vibescope/vibescope" \
      org.opencontainers.image.licenses="MIT"
