using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace DurableDelivery.Server.Grpc;

/// <summary>
/// Binds a gRPC service described by a protobuf <see cref="ServiceDescriptor"/> (taken from the Temporalio assembly) to
/// a plain class: each RPC goes to the class's public method of the same name taking <c>(TRequest, ServerCallContext)</c>
/// and returning <c>Task&lt;TResponse&gt;</c>. RPCs the class does not implement answer UNIMPLEMENTED with their name.
/// </summary>
/// <typeparam name="TService">The class implementing the RPCs.</typeparam>
internal sealed class ServiceBinder<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    private readonly ServiceDescriptor descriptor;

    /// <summary>Creates a binder for one service.</summary>
    public ServiceBinder(ServiceDescriptor descriptor) => this.descriptor = descriptor;

    /// <inheritdoc />
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var bind = typeof(ServiceBinder<TService>).GetMethod(nameof(BindUnary), BindingFlags.NonPublic | BindingFlags.Static)!;
        foreach (var method in descriptor.Methods)
        {
            if (method.IsClientStreaming || method.IsServerStreaming)
            {
                continue;
            }

            bind.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType)
                .Invoke(null, [context, descriptor, method]);
        }
    }

    private static void BindUnary<TRequest, TResponse>(
        ServiceMethodProviderContext<TService> context, ServiceDescriptor service, MethodDescriptor method)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        var grpcMethod = new Method<TRequest, TResponse>(
            MethodType.Unary,
            service.FullName,
            method.Name,
            Marshallers.Create(r => r.ToByteArray(), parser.ParseFrom),
            Marshallers.Create(r => r.ToByteArray(), new MessageParser<TResponse>(() => new TResponse()).ParseFrom));

        var target = typeof(TService).GetMethod(method.Name, [typeof(TRequest), typeof(ServerCallContext)]);
        UnaryServerMethod<TService, TRequest, TResponse> invoker;
        if (target is not null && target.ReturnType == typeof(Task<TResponse>))
        {
            invoker = target.CreateDelegate<UnaryServerMethod<TService, TRequest, TResponse>>();
        }
        else
        {
            var name = $"{service.FullName}/{method.Name}";
            invoker = (_, _, _) => throw new RpcException(new Status(
                StatusCode.Unimplemented, $"{name} is not implemented by the embedded Temporal server"));
        }

        context.AddUnaryMethod(grpcMethod, [], invoker);
    }
}
