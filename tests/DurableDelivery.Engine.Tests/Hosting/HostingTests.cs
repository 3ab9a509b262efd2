using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Hosting;
using DurableDelivery.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DurableDelivery.Engine.Tests.Hosting;

public sealed class HostingTests
{
    [Fact]
    public async Task AddDurableWorker_HostRunsWorkflowsWithScopedActivities()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dd-host-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddDurableWorker(dir, "hosted").AddWorkflow<ChildWorkflow>().AddScopedActivities<CountingActivities>();
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var client = host.Services.GetRequiredService<DurableClient>();
            var result = await client.ExecuteWorkflowAsync((ChildWorkflow wf) => wf.RunAsync("host"), new WorkflowOptions("hosted/1", "hosted"))
                .WaitAsync(TimeSpan.FromSeconds(30));
            result.ShouldBe("Hello, host");
        }
        finally
        {
            await host.StopAsync();
            await ((IAsyncDisposable)host.Services).DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }
}
