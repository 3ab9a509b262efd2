using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Providers.Aws.Query;

/// <summary>
/// Sends Query API calls: form-encoded POSTs signed with SigV4 (AWSSDK.Core's signer computes the signature over the
/// canonical request built here), retried with jittered backoff on throttling, 5xx and network failures, with the
/// request id of every call logged.
/// </summary>
internal sealed class AwsQueryTransport
{
    private const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";

    private readonly AwsServiceEndpoint endpoint;
    private readonly HttpClient http;
    private readonly AWSCredentials credentials;
    private readonly AwsRetryOptions retry;
    private readonly ILogger logger;

    public AwsQueryTransport(AwsServiceEndpoint endpoint, HttpClient http, AWSCredentials credentials, AwsRetryOptions retry, ILogger logger)
    {
        this.endpoint = endpoint;
        this.http = http;
        this.credentials = credentials;
        this.retry = retry;
        this.logger = logger;
    }

    /// <summary>Sends the call and returns the response's <c>&lt;Action&gt;Result</c> element (or the root when there
    /// is none).</summary>
    /// <exception cref="AwsQueryException">AWS answered with an error (transient ones after the last
    /// attempt).</exception>
    /// <exception cref="HttpRequestException">The endpoint could not be reached on the last attempt.</exception>
    public async Task<XElement> SendAsync(QueryRequest request, CancellationToken cancellationToken)
    {
        var body = FormBody(request);
        for (var attempt = 1; ; attempt++)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                return await SendOnceAsync(request, body, attempt, watch, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsQueryException e) when (e.IsTransient && attempt < retry.MaxAttempts)
            {
                await BackOffAsync(request, attempt, e.Code, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (attempt < retry.MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                await BackOffAsync(request, attempt, e.Message, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task BackOffAsync(QueryRequest request, int attempt, string why, CancellationToken cancellationToken)
    {
        var delay = retry.DelayBefore(attempt, Random.Shared);
        logger.LogWarning(
            "{Service} {Action} attempt {Attempt} failed ({Why}); retrying in {Delay:0} ms",
            endpoint.SigningName, request.Action, attempt, why, delay.TotalMilliseconds);
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
    }

    private async Task<XElement> SendOnceAsync(QueryRequest request, string body, int attempt, Stopwatch watch, CancellationToken cancellationToken)
    {
        var identity = await credentials.GetCredentialsAsync().ConfigureAwait(false);
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint.Url);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        message.Content = content;
        foreach (var (name, value) in SigV4.SignPost(endpoint.Url, ContentType, body, identity, endpoint.Region, endpoint.SigningName, DateTime.UtcNow))
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var headerId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
        XElement? root = null;
        try
        {
            root = string.IsNullOrWhiteSpace(text) ? null : XDocument.Parse(text).Root;
        }
        catch (System.Xml.XmlException)
        {
            // Not XML (a proxy's error page, say): reported below with the status code.
        }

        var requestId = root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "RequestId")?.Value ?? headerId;
        if (!response.IsSuccessStatusCode || root is null)
        {
            var error = root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            var code = error.Text("Code") ?? $"HTTP{(int)response.StatusCode}";
            var awsMessage = error.Text("Message") ?? Truncate(text);
            logger.LogDebug(
                "{Service} {Action} -> {Status} {Code} request id {RequestId} in {Elapsed:0} ms (attempt {Attempt})",
                endpoint.SigningName, request.Action, (int)response.StatusCode, code, requestId, watch.Elapsed.TotalMilliseconds, attempt);
            throw new AwsQueryException(endpoint.SigningName, request.Action, (int)response.StatusCode, code, awsMessage, requestId);
        }

        logger.LogDebug(
            "{Service} {Action} -> {Status} request id {RequestId} in {Elapsed:0} ms (attempt {Attempt})",
            endpoint.SigningName, request.Action, (int)response.StatusCode, requestId, watch.Elapsed.TotalMilliseconds, attempt);
        return root.Child(request.Action + "Result") ?? root;
    }

    private string FormBody(QueryRequest request)
    {
        var builder = new StringBuilder();
        builder.Append("Action=").Append(Uri.EscapeDataString(request.Action));
        builder.Append("&Version=").Append(Uri.EscapeDataString(endpoint.ApiVersion));
        foreach (var (name, value) in request.Parameters)
        {
            builder.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return builder.ToString();
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
