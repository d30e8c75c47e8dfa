using System.Text.Json.Nodes;
using ChatIngest.Core.Messages;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// The query parameters the endpoints read as text (so that a bad value gets a 400 naming it, see
/// <see cref="QueryParsing"/>) are described by what they take: Swagger UI and client generators see an integer with
/// its bounds, a date-time, or the allowed values, not a bare string.
/// </summary>
internal sealed class QueryParameterSchemaFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.In != ParameterLocation.Query)
            {
                continue;
            }

            parameter.Schema = parameter.Name switch
            {
                "limit" => new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer, Format = "int32",
                    Minimum = "1", Maximum = QueryParsing.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Default = JsonValue.Create(QueryParsing.DefaultLimit),
                },
                "started_after" or "started_before" => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
                "has_city" => new OpenApiSchema { Type = JsonSchemaType.Boolean },
                "first_message_by" => Enumeration(Enum.GetNames<SenderRole>()),
                "reason" => Enumeration(InvalidReason.All),
                _ => parameter.Schema,
            };
        }
    }

    private static OpenApiSchema Enumeration(IEnumerable<string> values) =>
        new() { Type = JsonSchemaType.String, Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))] };
}
