using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableDelivery.Workflows;
using Temporalio.Workflows;

namespace DurableDelivery.Cli.Demo;

/// <summary>
/// The temporal CLI commands that make the same calls as the demo (both work against the demo's server), with the
/// flag names of the real temporal CLI and, as input, exactly the JSON the demo sends: the payload the product's data
/// converter makes of the argument (camelCase). A short input goes inline (<c>-i '...'</c>); a long one (a whole
/// environment declaration) is written to <c>&lt;data-dir&gt;/temporal-inputs/&lt;name&gt;.json</c>, indented, and
/// passed with <c>--input-file</c>.
/// </summary>
internal sealed class TemporalCliCommands(string dataDir, string addressOption)
{
    /// <summary>The folder, inside the data dir, of the inputs too long to print.</summary>
    public const string InputsFolder = "temporal-inputs";

    /// <summary>Inputs up to this many characters are printed inline.</summary>
    private const int InlineLimit = 300;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>temporal workflow start</c> with the demo's id-conflict policy (a running workflow is used as it is, as ddctl deliver does).</summary>
    public string Start(Type workflow, string workflowId, string taskQueue, object input, string inputName) =>
        $"temporal workflow start --type {WorkflowDefinition.Create(workflow).Name} -w {workflowId} -t {taskQueue} --id-conflict-policy UseExisting {Input(input, inputName)}{addressOption}";

    /// <summary><c>temporal workflow update execute</c>: sends the update and waits for its result.</summary>
    public string Update(string workflowId, string update, object argument, string inputName) =>
        $"temporal workflow update execute -w {workflowId} --name {update} {Input(argument, inputName)}{addressOption}";

    /// <summary><c>temporal workflow query</c>.</summary>
    public string Query(string workflowId, string query) => $"temporal workflow query -w {workflowId} --name {query}{addressOption}";

    /// <summary><c>temporal workflow show</c>: the history.</summary>
    public string Show(string workflowId) => $"temporal workflow show -w {workflowId}{addressOption}";

    /// <summary>The JSON a Temporal client of the product sends for <paramref name="value"/>: its payload's data.</summary>
    public static string Json(object value) => DeliveryDataConverter.Instance.PayloadConverter.ToPayload(value).Data.ToStringUtf8();

    /// <summary>The name a workflow's update handler is called by, as its <see cref="WorkflowUpdateAttribute"/> declares it.</summary>
    public static string UpdateName([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods)] Type workflow, string method) =>
        workflow.GetMethod(method)?.GetCustomAttribute<WorkflowUpdateAttribute>()?.Name
        ?? throw new InvalidOperationException($"{workflow.Name}.{method} is not a named update handler");

    /// <summary>The name a workflow's query handler is called by, as its <see cref="WorkflowQueryAttribute"/> declares it.</summary>
    public static string QueryName([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.PublicEvents | DynamicallyAccessedMemberTypes.PublicNestedTypes | DynamicallyAccessedMemberTypes.PublicConstructors)] Type workflow, string member) =>
        workflow.GetMember(member).Select(m => m.GetCustomAttribute<WorkflowQueryAttribute>()?.Name).FirstOrDefault(n => n is not null)
        ?? throw new InvalidOperationException($"{workflow.Name}.{member} is not a named query handler");

    private string Input(object value, string inputName)
    {
        var json = Json(value);
        if (json.Length <= InlineLimit)
        {
            return $"-i {DemoInputs.Arg(json)}";
        }

        var folder = Path.Combine(dataDir, InputsFolder);
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, inputName + ".json");
        File.WriteAllText(file, JsonNode.Parse(json)!.ToJsonString(Indented) + "\n");
        return $"--input-file {DemoInputs.Arg(DemoInputs.Shown(file))}";
    }
}
