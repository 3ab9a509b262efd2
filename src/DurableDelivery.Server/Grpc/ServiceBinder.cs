using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace DurableDelivery.Server.Grpc;

/// <summary>The protobuf full names of the services the server binds.</summary>
internal static class TemporalServiceNames
{
    /// <summary>Temporal's WorkflowService.</summary>
    public const string WorkflowService = "temporal.api.workflowservice.v1.WorkflowService";

    /// <summary>Temporal's OperatorService.</summary>
    public const string OperatorService = "temporal.api.operatorservice.v1.OperatorService";

    /// <summary>Temporal's TestService (time skipping).</summary>
    public const string TestService = "temporal.api.testservice.v1.TestService";
}

/// <summary>One unary RPC of a service: its name and message types.</summary>
/// <param name="Name">The RPC's name, e.g. <c>StartWorkflowExecution</c>.</param>
/// <param name="Request">The request message type.</param>
/// <param name="Response">The response message type.</param>
internal sealed record RpcMethod(
    string Name,
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type Request,
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type Response)
{
    /// <summary>Gets the request message type.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type Request { get; } = Request;

    /// <summary>Gets the response message type.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type Response { get; } = Response;
}

/// <summary>
/// Binds a gRPC service to a plain class: each RPC goes to the class's public method of the same name taking
/// <c>(TRequest, ServerCallContext)</c> and returning <c>Task&lt;TResponse&gt;</c>. RPCs the class does not implement
/// answer UNIMPLEMENTED with their name.
/// </summary>
/// <remarks>
/// The list of RPCs comes from the Temporalio SDK's own client for the service (one <c>XxxAsync(XxxRequest,
/// RpcOptions)</c> method per RPC), not from the protobuf service descriptor: building that descriptor builds the
/// descriptors of the whole Temporal API, about half a second of start-up CPU, and the SDK's launchers give a server five
/// seconds to accept connections. A test checks that both lists agree.
/// </remarks>
/// <typeparam name="TService">The class implementing the RPCs.</typeparam>
internal sealed class ServiceBinder<[DynamicallyAccessedMembers(ServiceMembers)] TService> : IServiceMethodProvider<TService>
    where TService : class
{
    // What Grpc.AspNetCore asks of a service type, and what BindUnary looks up on it.
    private const DynamicallyAccessedMemberTypes ServiceMembers = DynamicallyAccessedMemberTypes.PublicConstructors
        | DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods;

    private readonly string serviceName;
    private readonly IReadOnlyList<RpcMethod> methods;

    private ServiceBinder(string serviceName, IReadOnlyList<RpcMethod> methods)
    {
        this.serviceName = serviceName;
        this.methods = methods;
    }

    /// <summary>The RPCs this binder registers.</summary>
    public IReadOnlyList<RpcMethod> Methods => methods;

    /// <summary>A binder for the service whose SDK client class is <typeparamref name="TClient"/>.</summary>
    /// <param name="serviceName">The protobuf full name, e.g. <c>temporal.api.workflowservice.v1.WorkflowService</c>.</param>
    public static ServiceBinder<TService> For<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods)] TClient>(string serviceName) =>
        new(serviceName, MethodsOf(typeof(TClient)));

    /// <summary>The unary RPCs an SDK client class exposes.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "As IL2072: message types of the client's public methods.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Message types are the parameter and result types of the client's public methods, which the annotation keeps; protobuf messages have public parameterless constructors.")]
    internal static IReadOnlyList<RpcMethod> MethodsOf([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods)] Type client)
    {
        var found = new List<RpcMethod>();
        foreach (var m in client.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            var parameters = m.GetParameters();
            if (!m.Name.EndsWith("Async", StringComparison.Ordinal) || parameters.Length != 2
                || parameters[1].ParameterType != typeof(Temporalio.Client.RpcOptions)
                || !typeof(IMessage).IsAssignableFrom(parameters[0].ParameterType)
                || !m.ReturnType.IsGenericType || m.ReturnType.GetGenericTypeDefinition() != typeof(Task<>)
                || !typeof(IMessage).IsAssignableFrom(m.ReturnType.GetGenericArguments()[0]))
            {
                continue;
            }

            found.Add(new RpcMethod(m.Name[..^"Async".Length], parameters[0].ParameterType,
                m.ReturnType.GetGenericArguments()[0]));
        }

        if (found.Count == 0)
        {
            throw new InvalidOperationException($"{client.FullName} exposes no RPC methods; the SDK's shape changed.");
        }

        return found.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    /// <inheritdoc />
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Every type argument is a protobuf message class (a reference type), so the shared canonical code of BindUnary serves every instantiation.")]
    [UnconditionalSuppressMessage("Trimming", "IL2060", Justification = "BindUnary's constraints are met: RpcMethod's message types keep their parameterless constructors.")]
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var bind = typeof(ServiceBinder<TService>).GetMethod(nameof(BindUnary), BindingFlags.NonPublic | BindingFlags.Static)!;
        foreach (var method in methods)
        {
            bind.MakeGenericMethod(method.Request, method.Response).Invoke(null, [context, serviceName, method.Name]);
        }
    }

    private static void BindUnary<TRequest, TResponse>(
        ServiceMethodProviderContext<TService> context, string service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        var grpcMethod = new Method<TRequest, TResponse>(
            MethodType.Unary,
            service,
            name,
            Marshallers.Create(r => r.ToByteArray(), parser.ParseFrom),
            Marshallers.Create(r => r.ToByteArray(), new MessageParser<TResponse>(() => new TResponse()).ParseFrom));

        var target = typeof(TService).GetMethod(name, [typeof(TRequest), typeof(ServerCallContext)]);
        UnaryServerMethod<TService, TRequest, TResponse> invoker;
        if (target is not null && target.ReturnType == typeof(Task<TResponse>))
        {
            invoker = target.CreateDelegate<UnaryServerMethod<TService, TRequest, TResponse>>();
        }
        else
        {
            var full = $"{service}/{name}";
            invoker = (_, _, _) => throw new RpcException(new Status(
                StatusCode.Unimplemented, $"{full} is not implemented by the embedded Temporal server"));
        }

        context.AddUnaryMethod(grpcMethod, [], invoker);
    }
}
