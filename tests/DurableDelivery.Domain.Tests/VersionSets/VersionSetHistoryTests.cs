using System.Text.Json;
using DurableDelivery.Domain.VersionSets;

namespace DurableDelivery.Domain.Tests.VersionSets;

public class VersionSetHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static VersionSet Set(params (string Name, string Version, string Artifact)[] components) => new()
    {
        Stack = "sample",
        Components = components.Select(c => new VersionSetComponent { Name = c.Name, Version = SemVer.Parse(c.Version), Artifact = c.Artifact }).ToArray(),
    };

    [Fact]
    public void Diff_ListsAddedRemovedChangedSortedByName()
    {
        var a = Set(("app", "1.0.0", "sample-v1"), ("cache", "1.0.0", "cache-1"), ("schema", "7.0.0", "s7"));
        var b = Set(("app", "2.0.0", "sample-v2"), ("schema", "7.0.0", "s7"), ("worker", "0.1.0", "w"));

        var diff = VersionSetHistory.Diff(a, b);

        diff.Changes.Select(c => c.ToString()).ShouldBe(
        [
            "~ app 1.0.0 -> 2.0.0 (sample-v1 -> sample-v2)",
            "- cache 1.0.0 (cache-1)",
            "+ worker 0.1.0 (w)",
        ]);
        diff.Added.Single().Component.ShouldBe("worker");
        diff.Removed.Single().Component.ShouldBe("cache");
        diff.Changed.Single().Component.ShouldBe("app");
        diff.IsEmpty.ShouldBeFalse();
    }

    [Fact]
    public void Diff_SameContent_IsEmpty()
    {
        var diff = VersionSetHistory.Diff(Set(("app", "v1.0.0", "a")), Set(("app", "1.0.0", "a")));

        diff.Changes.ShouldBeEmpty();
        diff.IsEmpty.ShouldBeTrue();
    }

    [Fact]
    public void Append_SameVersionSetTwice_RecognizedByHash()
    {
        var v1 = Set(("app", "1.0.0", "sample-v1"));
        var v2 = Set(("app", "2.0.0", "sample-v2"));

        var history = new VersionSetHistory { Environment = "demo" }
            .Append(v1, "delivery/demo/1", T0)
            .Append(v2, "delivery/demo/2", T0.AddMinutes(1))
            .Append(v1 with { Source = "again.yaml" }, "delivery/demo/3", T0.AddMinutes(2));

        history.Entries.Select(e => e.Sequence).ShouldBe([1, 2, 3]);
        history.FindByHash(v1.ContentHash).Select(e => e.DeliveryId).ShouldBe(["delivery/demo/1", "delivery/demo/3"]);
        history.Latest!.DeliveryId.ShouldBe("delivery/demo/3");
        history.Diff(2, 3).Changed.Single().ToString().ShouldBe("~ app 2.0.0 -> 1.0.0 (sample-v2 -> sample-v1)");
        Should.Throw<ArgumentOutOfRangeException>(() => history.Diff(0, 4));
    }

    [Fact]
    public void Json_RoundTrip_KeepsEntries()
    {
        var history = new VersionSetHistory { Environment = "demo" }.Append(Set(("app", "1.0.0", "a")), "delivery/demo/1", T0);

        var back = JsonSerializer.Deserialize<VersionSetHistory>(JsonSerializer.Serialize(history))!;

        back.Entries.Single().ContentHash.ShouldBe(history.Entries[0].ContentHash);
        back.Entries.Single().VersionSet.ContentHash.ShouldBe(history.Entries[0].ContentHash);
        back.Entries.Single().RecordedAt.ShouldBe(T0);
    }
}
