using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.ErrorDetails.V1;

namespace DurableDelivery.Server.Grpc;

/// <summary>
/// gRPC errors the way Temporal's server sends them: a status code, a message, and where the SDK maps it a
/// <c>grpc-status-details-bin</c> trailer holding a <c>google.rpc.Status</c> with one failure detail.
/// </summary>
internal static class RpcErrors
{
    /// <summary>INVALID_ARGUMENT with a message naming the field.</summary>
    public static RpcException InvalidArgument(string message) => Create(StatusCode.InvalidArgument, message, null);

    /// <summary>NOT_FOUND with Temporal's <c>NotFoundFailure</c>.</summary>
    public static RpcException NotFound(string message) =>
        Create(StatusCode.NotFound, message, new NotFoundFailure());

    /// <summary>NOT_FOUND for an unknown namespace.</summary>
    public static RpcException NamespaceNotFound(string ns) =>
        Create(StatusCode.NotFound, $"Namespace {ns} is not found.", new NamespaceNotFoundFailure { Namespace = ns });

    /// <summary>FAILED_PRECONDITION with a message.</summary>
    public static RpcException FailedPrecondition(string message) =>
        Create(StatusCode.FailedPrecondition, message, null);

    /// <summary>ALREADY_EXISTS for a workflow id that has a run already.</summary>
    public static RpcException AlreadyStarted(string workflowId, string runId, string startRequestId) => Create(
        StatusCode.AlreadyExists,
        $"Workflow execution is already running. WorkflowId: {workflowId}, RunId: {runId}.",
        new WorkflowExecutionAlreadyStartedFailure { RunId = runId, StartRequestId = startRequestId });

    /// <summary>RESOURCE_EXHAUSTED with Temporal's detail.</summary>
    public static RpcException ResourceExhausted(string message) => Create(
        StatusCode.ResourceExhausted,
        message,
        new ResourceExhaustedFailure { Cause = Temporalio.Api.Enums.V1.ResourceExhaustedCause.ConcurrentLimit });

    /// <summary>The status of an operation of a multi-operation that did not run because another one failed.</summary>
    public static RpcException MultiOperationAborted() => Create(
        StatusCode.Aborted, "Operation was aborted.", new Temporalio.Api.Failure.V1.MultiOperationExecutionAborted());

    /// <summary>
    /// A multi-operation that could not be executed, as Temporal's <c>MultiOperationExecution</c> error: one status per
    /// operation (null for one that succeeded, <see cref="MultiOperationAborted"/> for one that did not run), and the
    /// code of the first that failed.
    /// </summary>
    public static RpcException MultiOperation(string message, params RpcException?[] operations)
    {
        var failure = new MultiOperationExecutionFailure();
        StatusCode? code = null;
        foreach (var operation in operations)
        {
            var status = new MultiOperationExecutionFailure.Types.OperationStatus();
            if (operation is not null)
            {
                status.Code = (int)operation.StatusCode;
                status.Message = operation.Status.Detail;
                var details = DetailsOf(operation);
                status.Details.AddRange(details);
                var aborted = details.Any(d =>
                    d.Is(Temporalio.Api.Failure.V1.MultiOperationExecutionAborted.Descriptor));
                if (code is null && operation.StatusCode != StatusCode.OK && !aborted)
                {
                    code = operation.StatusCode;
                }
            }

            failure.Statuses.Add(status);
        }

        return Create(code ?? StatusCode.Aborted, message, failure);
    }

    /// <summary>The failure details an error of this class carries (none for an error made elsewhere).</summary>
    private static List<Any> DetailsOf(RpcException error)
    {
        var details = new List<Any>();
        var bytes = error.Trailers.GetValueBytes("grpc-status-details-bin");
        if (bytes is null)
        {
            return details;
        }

        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 3)
            {
                var detail = new Any();
                input.ReadMessage(detail);
                details.Add(detail);
            }
            else
            {
                input.SkipLastField();
            }
        }

        return details;
    }

    /// <summary>An error with a status code, a message and an optional Temporal failure detail.</summary>
    public static RpcException Create(StatusCode code, string message, IMessage? detail)
    {
        var trailers = new Metadata();
        if (detail is not null)
        {
            trailers.Add("grpc-status-details-bin", EncodeStatus((int)code, message, Any.Pack(detail)));
        }

        return new RpcException(new Status(code, message), trailers, message);
    }

    /// <summary>Encodes <c>google.rpc.Status{code=1, message=2, details=3}</c> by hand (three fields).</summary>
    private static byte[] EncodeStatus(int code, string message, Any detail)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt32(code);
        output.WriteTag(2, WireFormat.WireType.LengthDelimited);
        output.WriteString(message);
        output.WriteTag(3, WireFormat.WireType.LengthDelimited);
        output.WriteMessage(detail);
        output.Flush();
        return buffer.ToArray();
    }
}
