using DurableDelivery.Server.Frontend;
using DurableDelivery.Server.Grpc;

namespace DurableDelivery.Server.Tests.Grpc;

/// <summary>
/// The binder lists RPCs from the SDK's client classes (cheap at start-up); the protobuf service descriptors are the
/// authority. Both lists must agree, name for name and type for type.
/// </summary>
public sealed class ServiceBinderTests
{
    public static TheoryData<string> Services => new() { "WorkflowService", "OperatorService", "TestService" };

    [Theory]
    [MemberData(nameof(Services))]
    public void RpcsFromTheSdkClient_AreExactlyTheUnaryRpcsOfTheServiceDescriptor(string service)
    {
        var (descriptor, fromClient) = service switch
        {
            "WorkflowService" => (Temporalio.Api.WorkflowService.V1.ServiceReflection.Descriptor.Services[0],
                ServiceBinder<WorkflowServiceFrontend>.For<Temporalio.Client.WorkflowService>("x").Methods),
            "OperatorService" => (Temporalio.Api.OperatorService.V1.ServiceReflection.Descriptor.Services[0],
                ServiceBinder<OperatorServiceFrontend>.For<Temporalio.Client.OperatorService>("x").Methods),
            _ => (Temporalio.Api.TestService.V1.ServiceReflection.Descriptor.Services[0],
                ServiceBinder<TestServiceFrontend>.For<Temporalio.Client.TestService>("x").Methods),
        };

        var expected = descriptor.Methods
            .Where(m => !m.IsClientStreaming && !m.IsServerStreaming)
            .Select(m => new RpcMethod(m.Name, m.InputType.ClrType, m.OutputType.ClrType))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
        expected.Count.ShouldBeGreaterThan(0);
        fromClient.ShouldBe(expected);
    }

    [Fact]
    public void ServiceNamesUsedByTheServer_AreTheDescriptorsFullNames()
    {
        Temporalio.Api.WorkflowService.V1.ServiceReflection.Descriptor.Services[0].FullName
            .ShouldBe(TemporalServiceNames.WorkflowService);
        Temporalio.Api.OperatorService.V1.ServiceReflection.Descriptor.Services[0].FullName
            .ShouldBe(TemporalServiceNames.OperatorService);
        Temporalio.Api.TestService.V1.ServiceReflection.Descriptor.Services[0].FullName
            .ShouldBe(TemporalServiceNames.TestService);
    }
}
