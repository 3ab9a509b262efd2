using System.Xml.Linq;
using DurableDelivery.Providers.Aws.Query;

namespace DurableDelivery.Providers.Aws.LoadBalancing;

/// <summary><see cref="ILoadBalancingClient"/> over the ELBv2 Query API (2015-12-01, signed as
/// <c>elasticloadbalancing</c>).</summary>
internal sealed class LoadBalancingQueryClient(AwsQueryTransport transport) : ILoadBalancingClient
{
    public const string SigningName = "elasticloadbalancing";

    public const string ApiVersion = "2015-12-01";

    public async Task<Listener> DescribeListenerAsync(string listenerArn, CancellationToken cancellationToken)
    {
        var result = await transport.SendAsync(new QueryRequest("DescribeListeners").AddList("ListenerArns", [listenerArn]), cancellationToken).ConfigureAwait(false);
        var l = result.Members("Listeners").FirstOrDefault()
            ?? throw new AwsQueryException(SigningName, "DescribeListeners", 400, "ListenerNotFound", $"Listener '{listenerArn}' not found", null);
        var action = l.Members("DefaultActions").FirstOrDefault();
        var forward = action.Child("ForwardConfig").Members("TargetGroups")
            .Select(t => new WeightedTargetGroup(t.Required("TargetGroupArn"), t.Int("Weight") ?? 1))
            .ToList();
        if (forward.Count == 0 && action.Text("TargetGroupArn") is { } single)
        {
            forward.Add(new WeightedTargetGroup(single, 1));
        }

        return new Listener
        {
            Arn = l.Required("ListenerArn"),
            LoadBalancerArn = l.Required("LoadBalancerArn"),
            Port = l.Int("Port") ?? 0,
            Protocol = l.Text("Protocol") ?? "HTTP",
            DefaultActionType = action.Text("Type"),
            Forward = forward,
        };
    }

    public async Task<LoadBalancer> DescribeLoadBalancerAsync(string loadBalancerArn, CancellationToken cancellationToken)
    {
        var result = await transport.SendAsync(new QueryRequest("DescribeLoadBalancers").AddList("LoadBalancerArns", [loadBalancerArn]), cancellationToken).ConfigureAwait(false);
        var lb = result.Members("LoadBalancers").FirstOrDefault()
            ?? throw new AwsQueryException(SigningName, "DescribeLoadBalancers", 400, "LoadBalancerNotFound", $"Load balancer '{loadBalancerArn}' not found", null);
        return new LoadBalancer(lb.Required("LoadBalancerArn"), lb.Text("DNSName") ?? string.Empty, lb.Text("VpcId") ?? string.Empty);
    }

    public async Task<TargetGroup?> FindTargetGroupAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var result = await transport.SendAsync(new QueryRequest("DescribeTargetGroups").AddList("Names", [name]), cancellationToken).ConfigureAwait(false);
            return result.Members("TargetGroups").Select(Group).FirstOrDefault();
        }
        catch (AwsQueryException e) when (e.Code == "TargetGroupNotFound")
        {
            return null;
        }
    }

    public async Task<TargetGroup> CreateTargetGroupAsync(CreateTargetGroupRequest request, CancellationToken cancellationToken)
    {
        var query = new QueryRequest("CreateTargetGroup")
            .Add("Name", request.Name)
            .Add("Protocol", "HTTP")
            .Add("Port", request.Port)
            .Add("VpcId", request.VpcId)
            .Add("TargetType", "instance")
            .Add("HealthCheckProtocol", "HTTP")
            .Add("HealthCheckPath", request.HealthCheckPath)
            .Add("HealthCheckIntervalSeconds", request.HealthCheckIntervalSeconds)
            .Add("HealthyThresholdCount", request.HealthyThresholdCount)
            .AddTags(request.Tags);
        var result = await transport.SendAsync(query, cancellationToken).ConfigureAwait(false);
        return result.Members("TargetGroups").Select(Group).First();
    }

    public Task ModifyTargetGroupAttributesAsync(string targetGroupArn, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken) =>
        transport.SendAsync(
            new QueryRequest("ModifyTargetGroupAttributes")
                .Add("TargetGroupArn", targetGroupArn)
                .AddStructures("Attributes", attributes.OrderBy(a => a.Key, StringComparer.Ordinal), a => [("Key", a.Key), ("Value", a.Value)]),
            cancellationToken);

    public Task DeleteTargetGroupAsync(string targetGroupArn, CancellationToken cancellationToken) =>
        transport.SendAsync(new QueryRequest("DeleteTargetGroup").Add("TargetGroupArn", targetGroupArn), cancellationToken);

    public async Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthAsync(string targetGroupArn, CancellationToken cancellationToken)
    {
        var result = await transport.SendAsync(new QueryRequest("DescribeTargetHealth").Add("TargetGroupArn", targetGroupArn), cancellationToken).ConfigureAwait(false);
        return [.. result.Members("TargetHealthDescriptions").Select(d => new TargetHealth(
            d.Child("Target").Required("Id"),
            d.Child("TargetHealth").Text("State") ?? "unknown",
            d.Child("TargetHealth").Text("Reason"),
            d.Child("TargetHealth").Text("Description")))];
    }

    public Task ModifyListenerForwardAsync(string listenerArn, IReadOnlyList<WeightedTargetGroup> targetGroups, CancellationToken cancellationToken)
    {
        var query = new QueryRequest("ModifyListener")
            .Add("ListenerArn", listenerArn)
            .Add("DefaultActions.member.1.Type", "forward")
            .AddStructures("DefaultActions.member.1.ForwardConfig.TargetGroups", targetGroups, t =>
            [
                ("TargetGroupArn", t.TargetGroupArn), ("Weight", t.Weight.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ]);
        return transport.SendAsync(query, cancellationToken);
    }

    public async Task<IReadOnlyList<ListenerRule>> DescribeRulesAsync(string listenerArn, CancellationToken cancellationToken)
    {
        var rules = new List<ListenerRule>();
        string? marker = null;
        do
        {
            var request = new QueryRequest("DescribeRules").Add("ListenerArn", listenerArn).Add("Marker", marker);
            var result = await transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
            rules.AddRange(result.Members("Rules").Select(r => new ListenerRule(
                r.Required("RuleArn"),
                r.Text("Priority") ?? "default",
                [.. r.Members("Conditions").SelectMany(c => c.Child("HttpHeaderConfig").Members("Values").Select(v => v.Value))],
                [.. r.Members("Actions").SelectMany(a => a.Text("TargetGroupArn") is { } arn
                    ? [arn]
                    : a.Child("ForwardConfig").Members("TargetGroups").Select(t => t.Required("TargetGroupArn")))])));
            marker = result.Text("NextMarker");
        }
        while (!string.IsNullOrEmpty(marker));
        return rules;
    }

    public async Task<string> CreateHeaderRuleAsync(string listenerArn, int priority, string headerName, string headerValue, string targetGroupArn, CancellationToken cancellationToken)
    {
        var query = new QueryRequest("CreateRule")
            .Add("ListenerArn", listenerArn)
            .Add("Priority", priority)
            .Add("Conditions.member.1.Field", "http-header")
            .Add("Conditions.member.1.HttpHeaderConfig.HttpHeaderName", headerName)
            .Add("Conditions.member.1.HttpHeaderConfig.Values.member.1", headerValue)
            .Add("Actions.member.1.Type", "forward")
            .Add("Actions.member.1.TargetGroupArn", targetGroupArn);
        var result = await transport.SendAsync(query, cancellationToken).ConfigureAwait(false);
        return result.Members("Rules").First().Required("RuleArn");
    }

    public Task DeleteRuleAsync(string ruleArn, CancellationToken cancellationToken) =>
        transport.SendAsync(new QueryRequest("DeleteRule").Add("RuleArn", ruleArn), cancellationToken);

    public Task AddTagsAsync(string resourceArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        transport.SendAsync(new QueryRequest("AddTags").AddList("ResourceArns", [resourceArn]).AddTags(tags), cancellationToken);

    public Task RemoveTagsAsync(string resourceArn, IReadOnlyList<string> tagKeys, CancellationToken cancellationToken) =>
        transport.SendAsync(new QueryRequest("RemoveTags").AddList("ResourceArns", [resourceArn]).AddList("TagKeys", tagKeys), cancellationToken);

    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> DescribeTagsAsync(IReadOnlyList<string> resourceArns, CancellationToken cancellationToken)
    {
        var tags = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var chunk in resourceArns.Chunk(20))
        {
            var result = await transport.SendAsync(new QueryRequest("DescribeTags").AddList("ResourceArns", chunk), cancellationToken).ConfigureAwait(false);
            foreach (var d in result.Members("TagDescriptions"))
            {
                tags[d.Required("ResourceArn")] = d.Tags();
            }
        }

        return tags;
    }

    private static TargetGroup Group(XElement g) => new()
    {
        Arn = g.Required("TargetGroupArn"),
        Name = g.Required("TargetGroupName"),
        Port = g.Int("Port") ?? 0,
        HealthCheckPath = g.Text("HealthCheckPath"),
        LoadBalancerArns = [.. g.Members("LoadBalancerArns").Select(m => m.Value)],
    };
}
