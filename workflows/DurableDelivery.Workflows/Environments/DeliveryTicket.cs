namespace DurableDelivery.Workflows.Environments;

/// <summary>What the environment answers to an accepted delivery request.</summary>
/// <param name="DeliveryId">The delivery's id, <c>delivery/&lt;env&gt;/&lt;n&gt;</c>: its own workflow once it starts.</param>
/// <param name="Position">How many deliveries run or wait ahead of it (0: it starts now).</param>
/// <param name="Superseded">Waiting deliveries this request replaced (supersede policy <c>supersedeQueued</c>).</param>
public sealed record DeliveryTicket(string DeliveryId, int Position, IReadOnlyList<string> Superseded);
