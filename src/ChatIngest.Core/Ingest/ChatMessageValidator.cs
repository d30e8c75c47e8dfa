using ChatIngest.Core.Messages;
using FluentValidation;

namespace ChatIngest.Core.Ingest;

/// <summary>VIEW.md's rules for a chat message. The first failure decides the dead letter's reason.</summary>
internal sealed class ChatMessageValidator : AbstractValidator<ChatMessagePayload>
{
    public const int MaxStringLength = 1024;

    public ChatMessageValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;

        RuleFor(p => p.SenderAppType).Required().String().WithName("senderAppType")
            .Must(e => RoleOf(e!.Value.GetString()) is not null)
            .WithErrorCode(InvalidReason.UnknownSender)
            .WithMessage("senderAppType must begin with Courier or Customer");
        RuleFor(p => p.OrderId).Required().Int64().Positive().WithName("orderId");
        RuleFor(p => p.MessageSentTime).Required().String().WithName("messageSentTime")
            .Must(e => Rfc3339.TryParseUtc(e!.Value.GetString(), out _))
            .WithErrorCode(InvalidReason.BadTimestamp)
            .WithMessage("messageSentTime must be an RFC 3339 timestamp with a zone (Z or ±hh:mm)");
        RuleFor(p => p.FromId).Required().Int64().WithName("fromId");
        RuleFor(p => p.ToId).Required().Int64().WithName("toId");
        RuleFor(p => p.CourierId).Required().Int64().WithName("courierId");
        RuleFor(p => p.CustomerId).Required().Int64().WithName("customerId");
        RuleFor(p => p.ChatStartedByMessage).Required().Boolean().WithName("chatStartedByMessage");
        RuleFor(p => p.OrderStage).Required().String().NonEmpty(MaxStringLength).WithName("orderStage");
    }

    public static SenderRole? RoleOf(string? senderAppType) =>
        senderAppType is null ? null
        : senderAppType.StartsWith("Courier", StringComparison.OrdinalIgnoreCase) ? SenderRole.Courier
        : senderAppType.StartsWith("Customer", StringComparison.OrdinalIgnoreCase) ? SenderRole.Customer
        : null;
}
