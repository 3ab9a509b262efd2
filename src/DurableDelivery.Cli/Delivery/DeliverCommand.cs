using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using DurableDelivery.Domain.Common;
using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.VersionSets;
using DurableDelivery.Providers.Local;
using DurableDelivery.Workflows.Environments;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace DurableDelivery.Cli.Delivery;

/// <summary><c>ddctl deliver &lt;env&gt; --version-set &lt;file&gt;</c>: ask an environment to deliver a version set (starting the environment if needed).</summary>
internal static class DeliverCommand
{
    public static Command Create()
    {
        var environment = new Argument<string>("environment") { Description = "Environment name, e.g. demo; its workflow is env/<name>, created by the first delivery." };
        var versionSet = new Option<string>("--version-set")
        {
            Description = "The version set file to deliver (YAML or JSON), e.g. infra/version-sets/v2.yaml.",
            HelpName = "file",
            Required = true,
        };
        var environmentFile = new Option<string?>("--environment-file")
        {
            Description = "The environment declaration to follow (rollout, gates, listener). Default: infra/environments/<env>.yaml under the current folder.",
            HelpName = "file",
        };
        var taskQueue = CliOptions.TaskQueue("Task queue of the environment's workflows when this delivery starts the environment (a running environment keeps its own); the workers must serve it.");
        var watch = new Option<bool>("--watch") { Description = "Then follow the delivery like 'ddctl delivery watch' (exit 0 when promoted, 4 otherwise)." };
        var command = new Command(
            "deliver",
            "Deliver a version set to an environment: both files are checked first (every problem is printed, nothing is sent), env/<env> is started if it does not run, "
            + "and the delivery is queued. Prints the delivery id, its place in the queue and how to watch it. " + DeliveryCli.ExitHelp + "\n"
            + "Example: ddctl deliver demo --version-set infra/version-sets/v2.yaml --reason \"ship v2\" --watch")
        {
            environment, versionSet, environmentFile, taskQueue, watch,
        };
        var audit = DeliveryCli.AddAudit(command, "Why (optional for deliveries); recorded with the delivery.");
        var common = DeliveryCli.AddCommon(command);
        command.Action = new CliAction(async (parse, ct) =>
        {
            var env = DeliveryCli.CheckEnvironmentName(parse.GetValue(environment));
            var (declaration, set) = ReadInputs(env, parse.GetValue(environmentFile) ?? Path.Combine("infra", "environments", env + ".yaml"), parse.GetValue(versionSet)!);
            var by = DeliveryCli.RequestedBy(parse, audit);
            var json = parse.IsJson(common.Output);

            await using var cli = await DeliveryCli.OpenAsync(parse, common, ct);
            var id = DeliveryCli.EnvironmentWorkflowId(env);
            var existing = await cli.FindAsync(id);
            if (existing is not null && existing.WorkflowType != nameof(EnvironmentWorkflow))
            {
                throw CliException.BadInput($"workflow {id} is a {existing.WorkflowType}, not an {nameof(EnvironmentWorkflow)}; terminate it or deliver to another environment.");
            }

            var started = existing is not { Status: WorkflowExecutionStatus.Running };
            if (started)
            {
                // The input is built outside the expression: a member initializer inside it would need reflection over
                // property setters at run time, which the native build does not keep.
                var input = new EnvironmentInput { Declaration = declaration };
                await cli.Client.StartWorkflowAsync(
                    (EnvironmentWorkflow e) => e.RunAsync(input),
                    new WorkflowOptions(id, parse.GetValue(taskQueue)!)
                    {
                        IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting,
                        Rpc = new RpcOptions { CancellationToken = ct },
                    });
            }

            await cli.QueryStatusAsync<EnvironmentStatus>(id, started ? $"{id} was started, but no delivery was requested: run this again once a worker runs." : "Nothing was requested.");
            WarnIfNoProvider(declaration, cli.DataDir);
            var request = new DeliveryRequest
            {
                Environment = declaration, VersionSet = set, RequestedBy = by, Reason = parse.GetValue(audit.Reason)?.Trim() ?? string.Empty, RequestedAt = DateTimeOffset.UtcNow,
            };
            var ticket = await cli.UpdateAsync<DeliveryTicket>(id, "requestDelivery", request, "delivery request", $"ddctl delivery list --env {env}", ct);
            var version = set.Find(declaration.Artifact.Component)!;
            if (!json)
            {
                Console.Out.WriteLine(
                    $"{ticket.DeliveryId} requested: {set.Stack} {version.Name} {version.Version} ({declaration.Artifact.Resolve(set)}) to {env} by {by}; "
                    + (ticket.Position == 0 ? "it starts now." : $"{ticket.Position} delivery(ies) ahead of it."));
                if (ticket.Superseded.Count > 0)
                {
                    Console.Out.WriteLine($"superseded (they will not run): {string.Join(", ", ticket.Superseded)}");
                }

                if (!parse.GetValue(watch))
                {
                    Console.Out.WriteLine($"watch it: ddctl delivery watch {ticket.DeliveryId}");
                }
            }

            if (parse.GetValue(watch))
            {
                return await DeliveryWatch.FollowAsync(cli, ticket.DeliveryId, json, ct);
            }

            if (json)
            {
                Output.Json(new JsonObject
                {
                    ["deliveryId"] = ticket.DeliveryId,
                    ["environment"] = env,
                    ["workflowId"] = id,
                    ["environmentStarted"] = started,
                    ["position"] = ticket.Position,
                    ["superseded"] = Output.ToNode(ticket.Superseded),
                    ["versionSetHash"] = set.ContentHash,
                    ["version"] = $"{version.Name} {version.Version}",
                    ["artifact"] = declaration.Artifact.Resolve(set),
                    ["watch"] = $"ddctl delivery watch {ticket.DeliveryId}",
                });
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Reads and checks both files; every problem of both is reported at once (exit 1) and nothing is sent.</summary>
    private static (EnvironmentDeclaration Declaration, VersionSet VersionSet) ReadInputs(string env, string environmentFile, string versionSetFile)
    {
        var problems = new List<string>();
        var declarationText = Read(environmentFile, "environment file", "pass --environment-file <file>, or create it (format: workflows/DurableDelivery.Domain/README.md)", problems);
        var versionSetText = Read(versionSetFile, "version set file", "pass --version-set <file>, e.g. infra/version-sets/v2.yaml", problems);
        EnvironmentDeclaration? declaration = null;
        VersionSet? set = null;
        if (declarationText is not null)
        {
            var parsed = EnvironmentDeclaration.Parse(declarationText, environmentFile);
            problems.AddRange(parsed.Problems.Select(p => p.ToString()));
            declaration = parsed.Value;
        }

        if (versionSetText is not null)
        {
            var parsed = VersionSet.Parse(versionSetText, versionSetFile);
            problems.AddRange(parsed.Problems.Select(p => p.ToString()));
            set = parsed.Value;
        }

        if (declaration is not null && declaration.Name != env)
        {
            problems.Add($"{environmentFile}: declares environment '{declaration.Name}', not '{env}'; pass --environment-file infra/environments/{env}.yaml, or deliver to {declaration.Name}.");
        }

        if (declaration is not null && set is not null && set.Find(declaration.Artifact.Component) is null)
        {
            problems.Add(
                $"{versionSetFile}: has no component '{declaration.Artifact.Component}', which environment '{declaration.Name}' deploys (artifact.component in {environmentFile}); "
                + $"components: {string.Join(", ", set.Components.Select(c => c.Name))}.");
        }

        return problems.Count == 0 ? (declaration!, set!) : throw new CliException(ExitCodes.BadInput, problems);
    }

    private static string? Read(string path, string what, string fix, List<string> problems)
    {
        if (Directory.Exists(path))
        {
            problems.Add($"{what} '{path}' is a directory; {fix}.");
            return null;
        }

        if (!File.Exists(path))
        {
            problems.Add($"{what} '{path}' not found (in {Directory.GetCurrentDirectory()}); {fix}.");
            return null;
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{what} '{path}' cannot be read ({e.Message}); {fix}.");
            return null;
        }
    }

    /// <summary>A local environment's delivery waits at provisioning until a provider runs on the data dir the worker uses; say so now rather than let it hang.</summary>
    private static void WarnIfNoProvider(EnvironmentDeclaration declaration, string dataDir)
    {
        if (declaration.Provider == ProviderKind.Local && LocalProviderProcess.FindProcessId(dataDir) is null)
        {
            Console.Error.WriteLine($"warning: no local provider runs on data dir {dataDir}; the delivery waits at provisioning until one does: ddctl local up --data-dir {dataDir}");
        }
    }
}
