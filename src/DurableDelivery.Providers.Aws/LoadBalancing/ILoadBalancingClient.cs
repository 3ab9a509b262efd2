namespace DurableDelivery.Providers.Aws.LoadBalancing;

/// <summary>
/// The Elastic Load Balancing v2 calls the provider makes (API 2015-12-01). Implemented over the Query API by
/// <see cref="LoadBalancingQueryClient"/>; an adapter over AWSSDK.ElasticLoadBalancingV2 can replace it.
/// </summary>
internal interface ILoadBalancingClient
{
    /// <summary><c>DescribeListeners</c> by ARN; AWS answers <c>ListenerNotFound</c> for an unknown one.</summary>
    Task<Listener> DescribeListenerAsync(string listenerArn, CancellationToken cancellationToken);

    /// <summary><c>DescribeLoadBalancers</c> by ARN.</summary>
    Task<LoadBalancer> DescribeLoadBalancerAsync(string loadBalancerArn, CancellationToken cancellationToken);

    /// <summary><c>DescribeTargetGroups</c> by name; <see langword="null"/> when AWS answers
    /// <c>TargetGroupNotFound</c>.</summary>
    Task<TargetGroup?> FindTargetGroupAsync(string name, CancellationToken cancellationToken);

    /// <summary><c>CreateTargetGroup</c> (AWS returns the existing group for an identical request).</summary>
    Task<TargetGroup> CreateTargetGroupAsync(CreateTargetGroupRequest request, CancellationToken cancellationToken);

    /// <summary><c>ModifyTargetGroupAttributes</c>.</summary>
    Task ModifyTargetGroupAttributesAsync(string targetGroupArn, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken);

    /// <summary><c>DeleteTargetGroup</c>.</summary>
    Task DeleteTargetGroupAsync(string targetGroupArn, CancellationToken cancellationToken);

    /// <summary><c>DescribeTargetHealth</c> of every registered target.</summary>
    Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthAsync(string targetGroupArn, CancellationToken cancellationToken);

    /// <summary><c>ModifyListener</c>: one default <c>forward</c> action with a weighted
    /// <c>ForwardConfig</c>.</summary>
    Task ModifyListenerForwardAsync(string listenerArn, IReadOnlyList<WeightedTargetGroup> targetGroups, CancellationToken cancellationToken);

    /// <summary><c>DescribeRules</c> of a listener (all pages), with their header conditions and forward targets.</summary>
    Task<IReadOnlyList<ListenerRule>> DescribeRulesAsync(string listenerArn, CancellationToken cancellationToken);

    /// <summary><c>CreateRule</c>: requests whose header <paramref name="headerName"/> equals
    /// <paramref name="headerValue"/> go to <paramref name="targetGroupArn"/>.</summary>
    Task<string> CreateHeaderRuleAsync(string listenerArn, int priority, string headerName, string headerValue, string targetGroupArn, CancellationToken cancellationToken);

    /// <summary><c>DeleteRule</c>.</summary>
    Task DeleteRuleAsync(string ruleArn, CancellationToken cancellationToken);

    /// <summary><c>AddTags</c> (replaces the values of existing keys).</summary>
    Task AddTagsAsync(string resourceArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    /// <summary><c>RemoveTags</c>.</summary>
    Task RemoveTagsAsync(string resourceArn, IReadOnlyList<string> tagKeys, CancellationToken cancellationToken);

    /// <summary><c>DescribeTags</c> of up to 20 resources.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> DescribeTagsAsync(IReadOnlyList<string> resourceArns, CancellationToken cancellationToken);
}
