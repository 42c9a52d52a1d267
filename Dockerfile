# The application image: the runnable jar on a Java 17 runtime. Build the jar first:
#   ./mvnw -B -DskipTests package && docker build -t dynamo-lake/dynamo-lake:0.1.0-SNAPSHOT .
# (or without Docker: ./mvnw -B -DskipTests package jib:build -Djib.to.image=<registry>/dynamo-lake:<tag>)
# The image runs the aws profile and reads properties mounted under /etc/camel/conf.d (Kubernetes ConfigMap, Camel K).
FROM eclipse-temurin:17-jre
RUN useradd --uid 10001 --no-create-home dynamo-lake && mkdir -p /work && chown dynamo-lake /work
COPY target/dynamo-lake.jar /app/dynamo-lake.jar
USER 10001
WORKDIR /work
ENV CAMEL_MAIN_PROFILE=aws \
    CAMEL_MAIN_CLOUD_PROPERTIES_LOCATION=/etc/camel/conf.d \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=25 -XX:+ExitOnOutOfMemoryError"
# The management port: /observe/health, /observe/metrics, /observe/jolokia.
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/dynamo-lake.jar"]
