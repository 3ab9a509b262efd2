using System.Text.Json;
using System.Text.Json.Serialization;
using DurableDelivery.Domain.Gates;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using DurableDelivery.Workflows.Samples;

namespace DurableDelivery.Workflows;

/// <summary>
/// Compile-time JSON metadata of every value that crosses Temporal as a payload: the arguments and results of the
/// registered workflows, their signals, queries and updates, and their activities. <see cref="DeliveryDataConverter"/>
/// reads only this, so a natively compiled ddctl (no runtime code generation) serializes exactly what a JIT-compiled
/// worker does, and a payload type missing here fails in every build, not only in the AOT one.
/// </summary>
/// <remarks>A test (<c>PayloadTypesTests</c>) walks <see cref="WorkflowRegistry"/> and fails for any payload type not listed.</remarks>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(EnvironmentInput))]
[JsonSerializable(typeof(EnvironmentStatus))]
[JsonSerializable(typeof(DeliveryRequest))]
[JsonSerializable(typeof(DeliveryTicket))]
[JsonSerializable(typeof(DeliveryReport))]
[JsonSerializable(typeof(DeliveryInput))]
[JsonSerializable(typeof(DeliveryResult))]
[JsonSerializable(typeof(DeliveryStatus))]
[JsonSerializable(typeof(ForwardedOverride))]
[JsonSerializable(typeof(OverrideOutcome))]
[JsonSerializable(typeof(Override))]
[JsonSerializable(typeof(PauseOverride))]
[JsonSerializable(typeof(ResumeOverride))]
[JsonSerializable(typeof(PromoteOverride))]
[JsonSerializable(typeof(AbortOverride))]
[JsonSerializable(typeof(RollbackOverride))]
[JsonSerializable(typeof(SetWeightsOverride))]
[JsonSerializable(typeof(ExtendBakeOverride))]
[JsonSerializable(typeof(ProvisionedInfraSet))]
[JsonSerializable(typeof(TrafficWeights))]
[JsonSerializable(typeof(GateSettings))]
[JsonSerializable(typeof(GateSamples))]
[JsonSerializable(typeof(ApprovalInput))]
[JsonSerializable(typeof(ApprovalResult))]
[JsonSerializable(typeof(ApprovalStatus))]
public sealed partial class DeliveryJsonContext : JsonSerializerContext;
