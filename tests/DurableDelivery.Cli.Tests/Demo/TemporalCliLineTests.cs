namespace DurableDelivery.Cli.Tests.Demo;

/// <summary>The check the demo's printed temporal CLI commands go through refuses what the temporal CLI or the workflows would refuse.</summary>
public sealed class TemporalCliLineTests
{
    private const string Rollback = """{"kind":"rollback","to":null,"requestedBy":"alice","reason":"why","requestedAt":"2026-01-01T00:00:00+00:00"}""";

    [Theory]
    [InlineData("temporal workflow update execute -w env/demo --name rollback -i '" + Rollback + "'")]
    [InlineData("temporal workflow update execute --workflow-id env/demo --name rollback --input '" + Rollback + "'   # a comment")]
    [InlineData("temporal workflow query -w delivery/demo/3 --name status")]
    [InlineData("temporal workflow show -w env/demo --address 127.0.0.1:7233")]
    public void Accepts_real_commands(string line) => Parse(line).Check("127.0.0.1:7233");

    [Theory]
    [InlineData("temporal workflow update execute -w env/demo --name rollBack -i '" + Rollback + "'")]
    [InlineData("temporal workflow update execute -w env/demo --name rollback -i '" + Rollback + "' --reason x")]
    [InlineData("temporal workflow update execute -w env/demo --name rollback -i '{\"kind\":\"rollback\",\"to\":null,\"RequestedBy\":\"alice\",\"reason\":\"why\",\"requestedAt\":\"2026-01-01T00:00:00+00:00\"}'")]
    [InlineData("temporal workflow update execute -w env/demo --name rollback")]
    [InlineData("temporal workflow query -w env/demo --name state")]
    [InlineData("temporal workflow query -w delivery/demo/3 --name status --address 127.0.0.1:7244")]
    [InlineData("temporal workflow signal -w env/demo --name rollback")]
    public void Refuses_what_the_temporal_cli_or_the_workflows_would_refuse(string line) =>
        Should.Throw<ShouldAssertException>(() => Parse(line).Check("127.0.0.1:7233"));

    [Fact]
    public void Requires_the_address_of_a_server_off_the_default()
    {
        Should.Throw<ShouldAssertException>(() => Parse("temporal workflow show -w env/demo").Check("127.0.0.1:40000"));
        Parse("temporal workflow show -w env/demo --address 127.0.0.1:40000").Check("127.0.0.1:40000");
    }

    private static TemporalCliLine Parse(string line) => TemporalCliLine.AllIn(line).Single();
}
