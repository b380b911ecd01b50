# The pretrain worker image: the CLI jar on a Java 17 runtime. Build the jar first, on the host:
#   mvn -B -DskipTests install        # -> ops/target/pretrain.jar
# then, from the repository root:   docker build -f deploy/worker.Dockerfile -t pretrain-worker .
# (compose.yaml does this). Not built or run in this project's CI: there is no Docker there.
FROM eclipse-temurin:17-jre
RUN useradd --system --create-home --home-dir /var/lib/pretrain --shell /usr/sbin/nologin pretrain \
    && chmod 700 /var/lib/pretrain
COPY ops/target/pretrain.jar /opt/pretrain/pretrain.jar
USER pretrain
WORKDIR /var/lib/pretrain
# working files, corpus download cache, DJL cache
ENV PRETRAIN_HOME=/var/lib/pretrain
# JVM options: JAVA_TOOL_OPTIONS (read by the JVM itself), e.g. -Xmx4g
ENTRYPOINT ["java", "-jar", "/opt/pretrain/pretrain.jar"]
CMD ["worker", "--metrics-host", "0.0.0.0"]
