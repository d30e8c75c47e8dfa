using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ChatIngest.Api.Hosting;

/// <summary>Writes an endpoint's <see cref="DocumentedBody"/> into its OpenAPI operation, so Swagger UI can send one.</summary>
internal sealed class DocumentedBodyFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<DocumentedBody>().LastOrDefault() is not { } body)
        {
            return;
        }

        var schema = body.Schema is { } type
            ? context.SchemaGenerator.GenerateSchema(type, context.SchemaRepository)
            : new OpenApiSchema { Type = JsonSchemaType.String };
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = body.Description,
            Content = new Dictionary<string, IOpenApiMediaType> { [body.ContentType] = new OpenApiMediaType { Schema = schema } },
        };
    }
}
