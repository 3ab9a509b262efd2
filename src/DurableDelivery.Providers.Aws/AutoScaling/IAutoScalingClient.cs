namespace DurableDelivery.Providers.Aws.AutoScaling;

/// <summary>
/// The Auto Scaling calls the provider makes (API 2011-01-01). Implemented over the Query API by
/// <see cref="AutoScalingQueryClient"/>; an adapter over AWSSDK.AutoScaling can replace it when that package is
/// available.
/// </summary>
internal interface IAutoScalingClient
{
    /// <summary>Describes groups by name, or by one tag when <paramref name="names"/> is empty; all pages.</summary>
    Task<IReadOnlyList<AutoScalingGroup>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> names, KeyValuePair<string, string>? tag, CancellationToken cancellationToken);

    /// <summary><c>CreateAutoScalingGroup</c>; AWS answers <c>AlreadyExists</c> for a taken name.</summary>
    Task CreateAutoScalingGroupAsync(CreateAutoScalingGroupRequest request, CancellationToken cancellationToken);

    /// <summary><c>UpdateAutoScalingGroup</c> of the sizes.</summary>
    Task UpdateCapacityAsync(string name, int capacity, CancellationToken cancellationToken);

    /// <summary><c>DeleteAutoScalingGroup</c> with <c>ForceDelete</c> (terminates the instances).</summary>
    Task DeleteAutoScalingGroupAsync(string name, CancellationToken cancellationToken);
}
