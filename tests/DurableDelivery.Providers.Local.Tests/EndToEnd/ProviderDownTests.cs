namespace DurableDelivery.Providers.Local.Tests.EndToEnd;

/// <summary>With no provider process, the client answers with a retryable ProviderUnavailable naming the fix.</summary>
public sealed class ProviderDownTests
{
    [Fact]
    public async Task AnyCall_NoProviderRunning_ProviderUnavailableRetryable()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "dd-local-tests", Guid.NewGuid().ToString("N"));
        using var client = new LocalInfraProvider(dataDirectory);

        var exception = await Should.ThrowAsync<InfraProviderUnavailableException>(() => client.ListInfraSetsAsync("staging"));

        exception.Reason.ShouldBe(InfraProviderErrorReason.ProviderUnavailable);
        exception.IsRetryable.ShouldBeTrue();
        exception.Message.ShouldBe($"The local provider is not running on data dir {dataDirectory} (no control.json). Start it with 'ddctl local up --data-dir {dataDirectory}'.");
        (await LocalProviderProcess.StopAsync(dataDirectory)).ShouldBeFalse();
    }
}
