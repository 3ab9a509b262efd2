using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Engine.Hosting;

/// <summary>Registers the client and hosted workers with dependency injection (like Temporalio.Extensions.Hosting).</summary>
public static class DurableWorkerServiceCollectionExtensions
{
    /// <summary>Registers a singleton <see cref="DurableClient"/> on the embedded store in <paramref name="dataDir"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="dataDir">The data directory.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDurableClient(this IServiceCollection services, string dataDir)
    {
        services.TryAddSingleton(sp => DurableClient.Open(dataDir, new DurableClientOptions { LoggerFactory = sp.GetService<ILoggerFactory>() }));
        return services;
    }

    /// <summary>
    /// Adds a hosted worker for <paramref name="taskQueue"/> that starts and stops with the host. Activities registered
    /// with <see cref="DurableWorkerBuilder.AddScopedActivities{T}"/> get a fresh DI scope per call; workflows get no DI.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="dataDir">The data directory of the embedded store (registered with <see cref="AddDurableClient"/> if not yet).</param>
    /// <param name="taskQueue">The task queue.</param>
    /// <returns>A builder to add workflows and activities.</returns>
    public static DurableWorkerBuilder AddDurableWorker(this IServiceCollection services, string dataDir, string taskQueue)
    {
        services.AddDurableClient(dataDir);
        var builder = new DurableWorkerBuilder(services, taskQueue);
        services.AddSingleton<IHostedService>(sp => new DurableWorkerHostedService(sp, builder));
        return builder;
    }
}

/// <summary>Collects what a hosted worker runs.</summary>
public sealed class DurableWorkerBuilder
{
    private readonly List<Action<IServiceProvider, DurableWorkerOptions>> configure = [];

    internal DurableWorkerBuilder(IServiceCollection services, string taskQueue)
    {
        Services = services;
        TaskQueue = taskQueue;
    }

    /// <summary>Gets the services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Gets the task queue.</summary>
    public string TaskQueue { get; }

    /// <summary>Adds a workflow class.</summary>
    /// <typeparam name="TWorkflow">The workflow class.</typeparam>
    /// <returns>This builder.</returns>
    public DurableWorkerBuilder AddWorkflow<TWorkflow>()
    {
        configure.Add((_, o) => o.AddWorkflow<TWorkflow>());
        return this;
    }

    /// <summary>Adds the [Activity] methods of <typeparamref name="T"/>, resolved from a new DI scope for every call.</summary>
    /// <typeparam name="T">The activity class.</typeparam>
    /// <returns>This builder.</returns>
    public DurableWorkerBuilder AddScopedActivities<T>()
        where T : class
    {
        Services.TryAddScoped<T>();
        configure.Add((sp, o) => o.AddAllActivities(typeof(T), () =>
        {
            // The scope lives as long as the activity object; scoped activity classes should not hold disposables.
            var scope = sp.CreateScope();
            return scope.ServiceProvider.GetRequiredService<T>();
        }));
        return this;
    }

    /// <summary>Adds the [Activity] methods of a singleton <typeparamref name="T"/> resolved from DI.</summary>
    /// <typeparam name="T">The activity class.</typeparam>
    /// <returns>This builder.</returns>
    public DurableWorkerBuilder AddSingletonActivities<T>()
        where T : class
    {
        Services.TryAddSingleton<T>();
        configure.Add((sp, o) => o.AddAllActivities(sp.GetRequiredService<T>()));
        return this;
    }

    /// <summary>Changes worker options.</summary>
    /// <param name="change">The change.</param>
    /// <returns>This builder.</returns>
    public DurableWorkerBuilder ConfigureOptions(Action<DurableWorkerOptions> change)
    {
        configure.Add((_, o) => change(o));
        return this;
    }

    internal DurableWorkerOptions Build(IServiceProvider sp)
    {
        var options = new DurableWorkerOptions(TaskQueue) { LoggerFactory = sp.GetService<ILoggerFactory>() };
        foreach (var c in configure)
        {
            c(sp, options);
        }

        return options;
    }
}

/// <summary>Runs one <see cref="DurableWorker"/> for the host's lifetime; stopping the host shuts it down gracefully.</summary>
internal sealed class DurableWorkerHostedService(IServiceProvider services, DurableWorkerBuilder builder) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = services.GetRequiredService<DurableClient>();
        await using var worker = new DurableWorker(client, builder.Build(services));
        await worker.ExecuteAsync(stoppingToken).ConfigureAwait(false);
    }
}
