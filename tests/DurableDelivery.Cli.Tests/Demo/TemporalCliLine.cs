using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableDelivery.Workflows;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using Temporalio.Workflows;

namespace DurableDelivery.Cli.Tests.Demo;

/// <summary>
/// A temporal CLI command the demo printed (<c>temporal workflow start|update execute|query|show ...</c>), read as a
/// shell reads it, and checked without a temporal CLI: only the real CLI's flags for that command, handler names the
/// workflow really declares, and an input that is the JSON of the handler's argument type in the product's payload
/// shape (camelCase, read back and written again unchanged).
/// </summary>
internal sealed record TemporalCliLine(string Text, IReadOnlyList<string> Words)
{
    private const string DefaultAddress = "127.0.0.1:7233";

    /// <summary>The temporal CLI's flags of each command the demo prints (long forms as aliases of the short ones the demo uses).</summary>
    private static readonly Dictionary<string, string[]> Flags = new()
    {
        ["start"] = ["--type", "-w", "-t", "--id-conflict-policy", "-i", "--input-file", "--address"],
        ["update execute"] = ["-w", "--name", "-i", "--input-file", "--address"],
        ["query"] = ["-w", "--name", "-i", "--input-file", "--address"],
        ["show"] = ["-w", "--address"],
    };

    private static readonly Dictionary<string, string> Aliases = new()
    {
        ["--workflow-id"] = "-w", ["--task-queue"] = "-t", ["--input"] = "-i",
    };

    /// <summary>Gets the command: <c>start</c>, <c>update execute</c>, <c>query</c> or <c>show</c>.</summary>
    public string Verb => Words[2] == "update" ? $"update {Words[3]}" : Words[2];

    public string WorkflowId => Option("-w") ?? throw new ShouldAssertException($"no -w in: {Text}");

    /// <summary>Every temporal CLI command in the demo's output, in order.</summary>
    public static List<TemporalCliLine> AllIn(string output) =>
        [.. output.Split('\n')
            .Select(line => line.IndexOf("temporal workflow ", StringComparison.Ordinal) is var at and >= 0 ? line[at..] : null)
            .OfType<string>()
            .Select(text => new TemporalCliLine(text, ShellWords.Split(text)))];

    /// <summary>The value of a flag (by its short or long name), or null.</summary>
    public string? Option(string name)
    {
        foreach (var (flag, value) in Pairs())
        {
            if (flag == name)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Checks the command against the real temporal CLI's flags and the workflows' own handlers and argument types.</summary>
    public void Check(string serverAddress)
    {
        Words.Count.ShouldBeGreaterThan(3, Text);
        Words[0].ShouldBe("temporal");
        Words[1].ShouldBe("workflow");
        Flags.ShouldContainKey(Verb, $"not a temporal workflow command the demo should print: {Text}");
        var pairs = Pairs().ToList();
        foreach (var (flag, _) in pairs)
        {
            Flags[Verb].ShouldContain(flag, $"'{flag}' is not a flag of 'temporal workflow {Verb}': {Text}");
        }

        pairs.Select(p => p.Flag).ShouldBeUnique(Text);
        var address = Option("--address");
        if (serverAddress != DefaultAddress || address is not null)
        {
            address.ShouldBe(serverAddress, $"the command must reach the demo's server: {Text}");
        }

        var workflow = WorkflowOf(WorkflowId);
        switch (Verb)
        {
            case "start":
                Option("--type").ShouldBe(WorkflowDefinition.Create(workflow).Name, Text);
                Option("-t").ShouldBe("default", Text);
                Option("--id-conflict-policy").ShouldBeOneOf("Fail", "UseExisting", "TerminateExisting");
                CheckInput(workflow.GetMethods().Single(m => m.GetCustomAttribute<WorkflowRunAttribute>() is not null).GetParameters().Single().ParameterType);
                break;
            case "update execute":
                var updates = workflow.GetMethods().Where(m => m.GetCustomAttribute<WorkflowUpdateAttribute>() is not null).ToDictionary(m => m.GetCustomAttribute<WorkflowUpdateAttribute>()!.Name!);
                updates.Keys.ShouldContain(Option("--name")!, $"{workflow.Name} has no update of that name: {Text}");
                CheckInput(updates[Option("--name")!].GetParameters().Single().ParameterType);
                break;
            case "query":
                var queries = workflow.GetMembers().Select(m => m.GetCustomAttribute<WorkflowQueryAttribute>()?.Name).OfType<string>().ToList();
                queries.ShouldContain(Option("--name")!, $"{workflow.Name} has no query of that name: {Text}");
                (Option("-i") ?? Option("--input-file")).ShouldBeNull(Text);
                break;
        }
    }

    /// <summary>Checks that the command sends what the server recorded: the handler (or workflow type) name and the same JSON.</summary>
    public void ShouldSend(string name, string recordedJson)
    {
        Option(Verb == "start" ? "--type" : "--name").ShouldBe(name, Text);
        JsonNode.DeepEquals(JsonNode.Parse(Input()), JsonNode.Parse(recordedJson)).ShouldBeTrue($"printed input differs from what was sent ({recordedJson}): {Text}");
    }

    private static Type WorkflowOf(string workflowId) => workflowId switch
    {
        _ when workflowId.StartsWith("env/", StringComparison.Ordinal) => typeof(EnvironmentWorkflow),
        _ when workflowId.StartsWith("delivery/", StringComparison.Ordinal) => typeof(DeliveryWorkflow),
        _ => throw new ShouldAssertException($"workflow id {workflowId} is neither an environment's nor a delivery's"),
    };

    /// <summary>The input's JSON: inline (-i) or the file (--input-file), exactly one of them.</summary>
    private string Input()
    {
        var inline = Option("-i");
        var file = Option("--input-file");
        (inline is null).ShouldNotBe(file is null, $"exactly one of -i and --input-file: {Text}");
        return inline ?? File.ReadAllText(Path.GetFullPath(file!));
    }

    private void CheckInput(Type argument)
    {
        var json = Input();
        var node = JsonNode.Parse(json);
        node.ShouldBeOfType<JsonObject>(Text);
        var value = JsonSerializer.Deserialize(json, argument, DeliveryDataConverter.Json);
        value.ShouldNotBeNull(Text);
        var again = JsonNode.Parse(DeliveryDataConverter.Instance.PayloadConverter.ToPayload(value).Data.ToStringUtf8());
        JsonNode.DeepEquals(node, again).ShouldBeTrue($"the input is not a {argument.Name} as the product's converter writes it (camelCase, every field): {Text}");
    }

    private IEnumerable<(string Flag, string Value)> Pairs()
    {
        var start = Words[2] == "update" ? 4 : 3;
        for (var i = start; i < Words.Count; i += 2)
        {
            Words[i].StartsWith('-').ShouldBeTrue($"unexpected word '{Words[i]}': {Text}");
            (i + 1 < Words.Count).ShouldBeTrue($"flag {Words[i]} has no value: {Text}");
            yield return (Aliases.GetValueOrDefault(Words[i], Words[i]), Words[i + 1]);
        }
    }
}

/// <summary>Splits a command line as a POSIX shell does (words, single and double quotes, backslashes); an unquoted <c>#</c> starting a word begins a comment.</summary>
internal static class ShellWords
{
    public static List<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else if (c == '#' && !inWord)
            {
                break;
            }
            else if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                end.ShouldBeGreaterThan(i, $"unclosed single quote: {line}");
                word.Append(line, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '"')
            {
                for (i++; i < line.Length && line[i] != '"'; i++)
                {
                    word.Append(line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`' ? line[++i] : line[i]);
                }

                (i < line.Length).ShouldBeTrue($"unclosed double quote: {line}");
                inWord = true;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                word.Append(line[++i]);
                inWord = true;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
