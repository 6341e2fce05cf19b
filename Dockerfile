# Damselfly in a container: `docker build -t damselfly .` then `docker run -p 6379:6379 damselfly`
# (or `docker compose up`). Not built on the development machine, which has no container engine;
# see docs/operations.md (Packaging).
# The image's Node.js 24 runs the server directly: the server has no runtime dependencies, and the
# pinned `node` package (a second 126 MB Node.js) is only for running from a checkout or with npx.
FROM node:24-slim
WORKDIR /opt/damselfly
COPY package.json ./
COPY bin ./bin
COPY src ./src
# Snapshots will go to /data (--dir); the server runs as the image's unprivileged `node` user.
RUN rm -f src/*.test.ts src/*/*.test.ts && mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 6379
ENTRYPOINT ["node", "/opt/damselfly/src/main.ts"]
CMD ["--dir=/data"]
