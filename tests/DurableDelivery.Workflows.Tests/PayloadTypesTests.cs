using System.Reflection;
using System.Text.Json;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Workflows;
using Temporalio.Activities;
using Temporalio.Workflows;

namespace DurableDelivery.Workflows.Tests;

/// <summary>
/// Every payload type of the registered workflows and activities has compile-time JSON metadata in
/// <see cref="DeliveryJsonContext"/>: the data converter reads nothing else, so a missing one would fail at run time.
/// </summary>
public sealed class PayloadTypesTests
{
    public static TheoryData<string> PayloadTypeNames()
    {
        var data = new TheoryData<string>();
        foreach (var type in PayloadTypes().Select(t => t.FullName!).Distinct().Order(StringComparer.Ordinal))
        {
            data.Add(type);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PayloadTypeNames))]
    public void Payload_type_has_compile_time_json_metadata(string typeName)
    {
        var type = PayloadTypes().First(t => t.FullName == typeName);
        DeliveryJsonContext.Default.GetTypeInfo(type).ShouldNotBeNull($"{typeName} is a payload; add [JsonSerializable(typeof(...))] to DeliveryJsonContext");
    }

    [Fact]
    public void The_walk_finds_the_payloads_it_must()
    {
        var names = PayloadTypes().Select(t => t.Name).ToHashSet();
        names.ShouldContain("EnvironmentInput");
        names.ShouldContain("RollbackOverride");
        names.ShouldContain("ProvisionedInfraSet");
        names.ShouldContain("TimeSpan");
    }

    [Fact]
    public void No_payload_property_loses_its_default_when_the_json_omits_it()
    {
        DurableDelivery.Tests.Shared.JsonContextDefaults.InitOnlyPropertiesWithDefaults(DeliveryJsonContext.Default).ShouldBeEmpty();
    }

    [Fact]
    public void Omitted_properties_keep_their_defaults()
    {
        var gates = JsonSerializer.Deserialize<DurableDelivery.Domain.Gates.GateSettings>("""{"passScore":90}""", DeliveryDataConverter.Json)!;
        gates.PassScore.ShouldBe(90);
        gates.Confidence.ShouldBe(0.98);
        gates.MinDataPoints.ShouldBe(50);
        gates.Metrics.ShouldNotBeEmpty();
    }

    [Fact]
    public void An_override_round_trips_with_its_kind_through_the_converter()
    {
        var sent = new RollbackOverride { RequestedBy = "alice", Reason = "bad canary", RequestedAt = DateTimeOffset.Parse("2026-12-08T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture) };
        var json = JsonSerializer.Serialize<Override>(sent, DeliveryDataConverter.Json);
        json.ShouldContain("\"kind\":\"rollback\"");
        JsonSerializer.Deserialize<Override>(json, DeliveryDataConverter.Json).ShouldBe(sent);
        JsonSerializer.Deserialize<RollbackOverride>("""{"REQUESTEDBY":"bob","reason":"r","requestedAt":"2026-12-08T00:00:00Z"}""", DeliveryDataConverter.Json)!.RequestedBy.ShouldBe("bob");
    }

    [Fact]
    public void A_type_without_metadata_is_refused_rather_than_reflected_over()
    {
        Should.Throw<NotSupportedException>(() => JsonSerializer.Serialize(new Uri("http://127.0.0.1/"), DeliveryDataConverter.Json));
    }

    private static IEnumerable<Type> PayloadTypes()
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
        var members = WorkflowRegistry.WorkflowTypes.SelectMany(t => t.GetMethods(All).Cast<MemberInfo>().Concat(t.GetProperties(All)))
            .Where(m => m.IsDefined(typeof(WorkflowRunAttribute)) || m.IsDefined(typeof(WorkflowSignalAttribute))
                || m.IsDefined(typeof(WorkflowQueryAttribute)) || m.IsDefined(typeof(WorkflowUpdateAttribute)))
            .Concat(WorkflowRegistry.ActivityTypes.SelectMany(t => t.GetMethods(All)).Where(m => m.IsDefined(typeof(ActivityAttribute))));
        foreach (var member in members)
        {
            if (member is PropertyInfo property)
            {
                yield return property.PropertyType;
                continue;
            }

            var method = (MethodInfo)member;
            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }

            var result = method.ReturnType;
            if (result.IsGenericType && result.GetGenericTypeDefinition() == typeof(Task<>))
            {
                yield return result.GetGenericArguments()[0];
            }
            else if (result != typeof(Task) && result != typeof(void))
            {
                yield return result;
            }
        }
    }
}
