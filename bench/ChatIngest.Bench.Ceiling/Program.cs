// The ceiling of this machine for the push benchmark: Kestrel, built and hosted like ChatIngest.Api (Release,
// same runtime, same default WebApplication pipeline), answering every POST /pubsub/push with 204 and nothing else.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning); // as ChatIngest.Api's appsettings.json

var app = builder.Build();
app.MapPost("/pubsub/push", () => TypedResults.NoContent());
app.MapGet("/healthz", () => TypedResults.Ok());
await app.RunAsync();
