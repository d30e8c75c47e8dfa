using FluentValidation;

namespace ChatIngest.Core.Ingest;

/// <summary>VIEW.md's rules for an order event.</summary>
internal sealed class OrderEventValidator : AbstractValidator<OrderEventPayload>
{
    public const int MaxCityCodeLength = 64;

    public OrderEventValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;

        RuleFor(p => p.OrderId).Required().Int64().Positive().WithName("orderId");
        RuleFor(p => p.CityCode).Required().String().NonEmpty(MaxCityCodeLength).WithName("cityCode");
    }
}
