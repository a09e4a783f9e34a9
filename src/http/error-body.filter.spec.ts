import type { ArgumentsHost } from '@nestjs/common';
import { Logger, NotFoundException } from '@nestjs/common';
import {
  RegistryTooLargeError,
  RegistryUnavailableError,
} from '../instances/registry-errors.js';
import { ErrorBodyFilter } from './error-body.filter.js';

function answer(exception: unknown, headers: Record<string, string> = {}) {
  const sent: { status?: number; body?: unknown } = {};
  const res = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
    },
  };
  const req = { method: 'POST', url: '/instances/refresh', headers };
  const host = {
    switchToHttp: () => ({ getResponse: () => res, getRequest: () => req }),
  } as unknown as ArgumentsHost;
  new ErrorBodyFilter().catch(exception, host);
  return sent;
}

describe('ErrorBodyFilter', () => {
  it('answers registry errors with 503 and 413, their message kept', () => {
    expect(answer(new RegistryUnavailableError('etcd did not answer'))).toEqual(
      {
        status: 503,
        body: {
          status: 'error',
          message: 'Instance registry unavailable: etcd did not answer',
        },
      },
    );
    expect(
      answer(new RegistryTooLargeError('1 MiB over'), { 'x-request-id': 'r1' }),
    ).toEqual({
      status: 413,
      body: { request_id: 'r1', status: 'error', message: '1 MiB over' },
    });
  });

  it('keeps Nest exceptions, and hides unexpected errors behind a 500', () => {
    const logged = vi
      .spyOn(Logger.prototype, 'error')
      .mockImplementation(() => undefined);
    expect(answer(new NotFoundException('no such route')).status).toBe(404);
    expect(logged).not.toHaveBeenCalled();
    expect(answer(new Error('secret detail'))).toEqual({
      status: 500,
      body: { status: 'error', message: 'internal error' },
    });
    expect(String(logged.mock.calls[0]?.[0])).toContain('secret detail');
    logged.mockRestore();
  });
});
