using DurableDelivery.Server.Grpc;
using DurableDelivery.Server.History;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace DurableDelivery.Server.Frontend;

/// <summary>
/// The frontend's checks: each failure is INVALID_ARGUMENT or NOT_FOUND naming the field, before any change.
/// </summary>
internal sealed class RequestValidator(HistoryEngine engine)
{
    /// <summary>The namespace must exist.</summary>
    public void Namespace(string ns)
    {
        if (string.IsNullOrEmpty(ns))
        {
            throw RpcErrors.InvalidArgument("Namespace is not set on request.");
        }

        if (engine.Namespaces.Find(ns) is null)
        {
            throw RpcErrors.NamespaceNotFound(ns);
        }
    }

    /// <summary>An id or name must be set and at most 1,000 characters.</summary>
    public void Required(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw RpcErrors.InvalidArgument($"{field} is not set on request.");
        }

        Length(value, field);
    }

    /// <summary>At most 1,000 characters.</summary>
    public void Length(string? value, string field)
    {
        if (value is not null && value.Length > engine.Limits.MaxIdLength)
        {
            throw RpcErrors.InvalidArgument(
                $"{field} is {value.Length} characters long; the most allowed is {engine.Limits.MaxIdLength}.");
        }
    }

    /// <summary>A duration must not be negative (nor absurd: over 100 years).</summary>
    public static void Duration(Duration? value, string field)
    {
        if (value is null)
        {
            return;
        }

        if (value.Seconds < 0 || value.Nanos < 0)
        {
            throw RpcErrors.InvalidArgument($"{field} is negative; set a positive duration or leave it unset.");
        }

        if (value.Seconds > 100L * 365 * 24 * 3600)
        {
            throw RpcErrors.InvalidArgument($"{field} is over 100 years; set a shorter duration.");
        }
    }

    /// <summary>Search attributes must be settable, registered in the namespace and of their registered types.
    /// </summary>
    public void SearchAttributes(string ns, Temporalio.Api.Common.V1.SearchAttributes? attributes)
    {
        if (SearchAttributeRules.Problem(attributes, engine.Namespaces.SearchAttributesOf(ns)) is { } problem)
        {
            throw RpcErrors.InvalidArgument(problem);
        }
    }

    /// <summary>A payload field must be at most 2 MB.</summary>
    public void Blob(IMessage? value, string field)
    {
        if (value is not null && value.CalculateSize() > engine.Limits.MaxPayloadBytes)
        {
            throw RpcErrors.InvalidArgument(
                $"Blob data size exceeds limit. {field} is {value.CalculateSize()} bytes; the most allowed is "
                + $"{engine.Limits.MaxPayloadBytes}.");
        }
    }
}
