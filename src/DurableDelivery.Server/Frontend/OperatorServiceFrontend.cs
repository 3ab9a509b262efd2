using DurableDelivery.Server.Grpc;
using DurableDelivery.Server.History;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;

namespace DurableDelivery.Server.Frontend;

/// <summary><c>temporal.api.operatorservice.v1.OperatorService</c>: search attributes (list and add).</summary>
internal sealed class OperatorServiceFrontend(HistoryEngine engine)
{
    /// <summary>ListSearchAttributes: custom, system and the storage schema, as Temporal UI and the CLI read them.
    /// </summary>
    public Task<ListSearchAttributesResponse> ListSearchAttributes(
        ListSearchAttributesRequest request, ServerCallContext context)
    {
        var ns = string.IsNullOrEmpty(request.Namespace) ? "default" : request.Namespace;
        if (engine.Namespaces.Find(ns) is null)
        {
            throw RpcErrors.NamespaceNotFound(ns);
        }

        var response = new ListSearchAttributesResponse();
        foreach (var (name, type) in VisibilityAttributes.System)
        {
            response.SystemAttributes[name] = type;
        }

        foreach (var (name, type) in engine.Namespaces.SearchAttributesOf(ns))
        {
            response.CustomAttributes[name] = type;
            response.StorageSchema[name] = "json";
        }

        return Task.FromResult(response);
    }

    /// <summary>AddSearchAttributes.</summary>
    public async Task<AddSearchAttributesResponse> AddSearchAttributes(
        AddSearchAttributesRequest request, ServerCallContext context)
    {
        var ns = string.IsNullOrEmpty(request.Namespace) ? "default" : request.Namespace;
        if (engine.Namespaces.Find(ns) is null)
        {
            throw RpcErrors.NamespaceNotFound(ns);
        }

        foreach (var (name, type) in request.SearchAttributes)
        {
            if (VisibilityAttributes.System.Any(s => s.Name == name))
            {
                throw RpcErrors.InvalidArgument($"Search attribute {name} is reserved by system.");
            }

            if (type == IndexedValueType.Unspecified)
            {
                throw RpcErrors.InvalidArgument($"Search attribute {name} has no type; give it one.");
            }
        }

        await engine.AddSearchAttributesAsync(ns, request.SearchAttributes).ConfigureAwait(false);
        return new AddSearchAttributesResponse();
    }
}
