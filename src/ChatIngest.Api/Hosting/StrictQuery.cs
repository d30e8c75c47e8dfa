using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Mvc;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// A read's query parameters must be its own, each given once; otherwise 400 naming the parameter.
/// <list type="bullet">
/// <item>An unknown one is most likely misspelt (<c>city=IST</c> for <c>city_code=IST</c>): ignored, it would answer the
/// whole view as if filtered.</item>
/// <item>Bound to a string, a repeated one's values would be joined with a comma: <c>city_code=IST&amp;city_code=LON</c>
/// asked for the city "IST,LON" and got an empty page, where a client most likely meant either city (which no read
/// offers).</item>
/// </list>
/// The known names are the handler's <c>[FromQuery]</c> parameters, matched without case as binding matches them. Every
/// endpoint under it can so answer 400, and its OpenAPI description says so (a read that takes no parameters too).
/// </summary>
internal static class StrictQuery
{
    public static TBuilder RequireStrictQuery<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status400BadRequest, typeof(ProblemDetails), ["application/problem+json"]))
        .AddEndpointFilterFactory((factory, next) =>
        {
            var known = factory.MethodInfo.GetParameters()
                .Select(p => p.GetCustomAttribute<FromQueryAttribute>() is { } query ? query.Name ?? p.Name : null)
                .OfType<string>()
                .ToArray();
            var knownSet = known.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
            var takes = known.Length == 0 ? "This read takes no query parameters." : $"This read takes {string.Join(", ", known)}.";
            return async context =>
            {
                foreach (var (name, values) in context.HttpContext.Request.Query)
                {
                    if (!knownSet.Contains(name))
                    {
                        return Problems.BadRequest($"{name} is not a query parameter of this read.",
                            $"{takes} An unknown one is refused rather than ignored, which would answer as if no filter were given.");
                    }

                    if (values.Count > 1)
                    {
                        return Problems.BadRequest($"{name} is given {values.Count} times.",
                            $"Give {name} once; a read takes one value of each parameter.");
                    }
                }

                return await next(context);
            };
        });
}
