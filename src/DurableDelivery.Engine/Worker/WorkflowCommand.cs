using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Storage;

namespace DurableDelivery.Engine.Worker;

/// <summary>What workflow code asked for in one activation: a history event plus the store-side effect it implies.</summary>
internal sealed record WorkflowCommand(HistoryEvent Event)
{
    public NewActivity? Activity { get; init; }

    public long? CancelActivity { get; init; }

    public NewTimer? Timer { get; init; }

    public long? CancelTimer { get; init; }

    public ChildStart? Child { get; init; }

    public ExternalRequest? External { get; init; }

    public UpdateResolution? Update { get; init; }

    public RunClose? Close { get; init; }
}

/// <summary>The outcome of one activation.</summary>
internal sealed record ActivationResult(IReadOnlyList<WorkflowCommand> Commands, long LastEventId);
