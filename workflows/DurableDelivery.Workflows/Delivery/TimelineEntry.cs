namespace DurableDelivery.Workflows.Delivery;

/// <summary>One line of a delivery's or an environment's timeline: what happened, when, and why.</summary>
/// <param name="At">When it happened (workflow time).</param>
/// <param name="Kind">A stable reason code, e.g. <c>Provisioned</c>, <c>WeightsSet</c>, <c>GateFailed</c>, <c>Override</c>.</param>
/// <param name="Message">One readable line with the numbers behind it.</param>
public sealed record TimelineEntry(DateTimeOffset At, string Kind, string Message);
