# ChatIngest for Cloud Run: build with the .NET SDK, run on the ASP.NET runtime as a non-root user, listen on $PORT.
# Build: docker build -t chatingest .   (or: gcloud builds submit --tag IMAGE .)

# The SDK runs on the build machine's own platform (an emulated SDK is slow and can hang restoring) and publishes for
# linux-x64 (-r below), DuckDB's native library included; the runtime stage is linux/amd64 on any build machine, as
# Cloud Run runs (an arm64 host, such as Apple silicon, would otherwise pull the arm64 runtime image).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so a code change does not invalidate the package layer.
COPY Directory.Build.props Directory.Packages.props ChatIngest.slnx .editorconfig ./
COPY src/ChatIngest.Core/ChatIngest.Core.csproj src/ChatIngest.Core/
COPY src/ChatIngest.Api/ChatIngest.Api.csproj src/ChatIngest.Api/
RUN dotnet restore src/ChatIngest.Api/ChatIngest.Api.csproj -r linux-x64
COPY sql/ sql/
COPY src/ src/
RUN dotnet publish src/ChatIngest.Api/ChatIngest.Api.csproj -c Release -r linux-x64 --self-contained false --no-restore -o /app

FROM --platform=linux/amd64 mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The base image sets ASPNETCORE_HTTP_PORTS=8080; cleared so only PORT decides (Api/Hosting/ListenUrls.cs binds
# 0.0.0.0:$PORT; Cloud Run sets PORT, 8080 when run elsewhere). ASPNETCORE_URLS would win over PORT: never set it here.
# Logs one JSON object a line, as Cloud Logging reads a container's output (severity, message, a field per hole).
ENV ASPNETCORE_HTTP_PORTS= \
    PORT=8080 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    Warehouse__Kind=BigQuery \
    Logging__Console__FormatterName=cloudlogging
EXPOSE 8080
# "app" (uid 1654) is the non-root user the .NET images ship with. It owns data/, where Warehouse__Kind=DuckDb keeps its
# file by default (Warehouse__DuckDbPath, relative to /app): a volume mounted there starts out owned by it too.
RUN mkdir /app/data && chown "$APP_UID" /app/data
USER $APP_UID
ENTRYPOINT ["dotnet", "ChatIngest.Api.dll"]
