namespace ChatIngest.Api.Hosting;

/// <summary>
/// Endpoint metadata for the OpenAPI document only: the body a handler reads from the request pipe itself.
/// <c>Accepts</c> would say the same but also make routing refuse other content types with 415, and Pub/Sub's push
/// (its unwrapped form especially, which carries the publisher's content type) must never be refused for that.
/// </summary>
/// <param name="ContentType">The media type shown in the document.</param>
/// <param name="Schema">The body's shape, or null for text or bytes.</param>
/// <param name="Description">What the body holds.</param>
internal sealed record DocumentedBody(string ContentType, Type? Schema, string Description);
