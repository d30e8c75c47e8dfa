namespace ChatIngest.Api.Hosting;

/// <summary>
/// A query parameter given twice is a 400 naming it. Bound to a string, the values would be joined with a comma:
/// <c>city_code=IST&amp;city_code=LON</c> asked for the city "IST,LON" and got an empty page, where a client most
/// likely meant either city (which no read offers).
/// </summary>
internal static class SingleValuedQuery
{
    public static TBuilder RequireSingleValuedQuery<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            foreach (var (name, values) in context.HttpContext.Request.Query)
            {
                if (values.Count > 1)
                {
                    return Problems.BadRequest($"{name} is given {values.Count} times.",
                        $"Give {name} once; a read takes one value of each parameter.");
                }
            }

            return await next(context);
        });
}
